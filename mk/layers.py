#!/usr/bin/env python3
"""Checks the house rules of src/ (README.md, "Source layout"):

- every source file lies in a folder of a layer, and each folder includes only from
  the layers below it (a folder may include from itself; two folders of one rank may
  not include each other);
- every project include names its folder ("rules/model.h") and a file that exists;
- no include cycle between files;
- no source file longer than MAX_LINES lines;
- tests/unit/ has a folder only for a layer of src/.

Prints one "FILE:LINE: message" per problem and exits 1 when there is any, else prints
one summary line and exits 0.

usage: mk/layers.py [ROOT]   (default: the repository this script is in)
"""

import os
import re
import sys

# The layers, lowest first. A folder may include from the folders of lower ranks, and
# from itself.
LAYERS = [
    ("base",),        # leaf helpers: text, the calendar, files, descriptors, the log
    ("time",),        # time zones, public holidays, [hours]
    ("signature",),   # sipgate.io's signature, libcrypto
    ("journal", "switches"),  # the call journal: lines, the writer thread, --calls; the switches' state
    ("rules",),       # the rule file: model, loading, deciding, the XML
    ("webhook",),     # the pure core: a request in, its outcome out
    ("fastcgi", "cgi", "notify"),  # the FastCGI engine; CGI; --notify, --digest, --metrics
    ("cli", "static"),    # the command line and main(); the static binary's stand-ins
]
MAX_LINES = 600
SOURCE = (".h", ".cpp", ".c")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def rank_of(folder):
    for rank, folders in enumerate(LAYERS):
        if folder in folders:
            return rank
    return None


def check(root):
    src = os.path.join(root, "src")
    problems = []
    graph = {}
    files = []
    for d, _, names in os.walk(src):
        for n in names:
            if n.endswith(SOURCE):
                files.append(os.path.relpath(os.path.join(d, n), src))
    for rel in sorted(files):
        folder = rel.split(os.sep)[0] if os.sep in rel else ""
        where = "src/" + rel
        if rank_of(folder) is None:
            problems.append(f"{where}:1: not in the folder of a layer ({', '.join(f for fs in LAYERS for f in fs)})")
            continue
        with open(os.path.join(src, rel), errors="replace") as f:
            lines = f.read().splitlines()
        if len(lines) > MAX_LINES:
            problems.append(f"{where}:{MAX_LINES + 1}: {len(lines)} lines, more than {MAX_LINES}: split it by what it holds")
        graph[rel] = []
        for n, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            if "/" not in target:
                problems.append(f"{where}:{n}: #include \"{target}\" names no folder (write it as \"LAYER/{target}\")")
                continue
            if not os.path.isfile(os.path.join(src, target)):
                problems.append(f"{where}:{n}: #include \"{target}\": no such file in src/")
                continue
            graph[rel].append((target, n))
            tfolder = target.split("/")[0]
            trank, frank = rank_of(tfolder), rank_of(folder)
            if tfolder == folder:
                continue
            if trank is None or trank > frank:
                problems.append(f"{where}:{n}: {folder}/ includes {target}, from the layer above it; "
                                f"the order is {' < '.join('|'.join(fs) for fs in LAYERS)}")
            elif trank == frank:
                problems.append(f"{where}:{n}: {folder}/ includes {target}, from {tfolder}/ beside it; "
                                f"neither may include the other")
    problems += cycles(graph)
    unit = os.path.join(root, "tests", "unit")
    if os.path.isdir(unit):
        for d in sorted(os.listdir(unit)):
            if os.path.isdir(os.path.join(unit, d)) and rank_of(d) is None:
                problems.append(f"tests/unit/{d}/:1: no layer src/{d}/ for these tests to mirror")
    return problems, len(files)


def cycles(graph):
    """Each include cycle once, as "A -> B -> A" at the first file's include line."""
    found, seen = [], set()
    state = {}

    def visit(node, path):
        state[node] = 1
        path.append(node)
        for target, line in graph.get(node, []):
            if state.get(target) == 1:
                loop = path[path.index(target):] + [target]
                key = frozenset(loop)
                if key not in seen:
                    seen.add(key)
                    found.append(f"src/{node}:{line}: include cycle: {' -> '.join(loop)}")
            elif target not in state:
                visit(target, path)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems, n = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"layers: {len(problems)} problem(s) in src/")
        return 1
    print(f"layers: {n} files of src/ in {sum(len(fs) for fs in LAYERS)} folders, each including only from below; "
          f"no cycle; none over {MAX_LINES} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
