"""The house rules of src/ (README.md, "Source layout"), checked by mk/layers.py: a folder
per layer, each including only from the layers below it, no include cycle, no file
over 600 lines. The checker is also shown each kind of breach, so that a checker that
finds nothing cannot pass."""

import os
import shutil
import subprocess

from harness import ROOT, case, eq, expect

CHECKER = os.path.join(ROOT, "mk", "layers.py")


def layers(root):
    return subprocess.run(["python3", CHECKER, root], capture_output=True, text=True, timeout=60)


@case("source: src/ in layers, each folder including only from below; no include cycle; no file over 600 lines")
def _(run):
    r = layers(ROOT)
    eq(r.returncode, 0, "mk/layers.py: " + r.stdout + r.stderr)
    expect(r.stdout.startswith("layers: ") and "each including only from below" in r.stdout, r.stdout)


@case("source: mk/layers.py refuses an include that runs the wrong way, a cycle, a bare include and a long file")
def _(run):
    root = run.path("tree")
    shutil.copytree(os.path.join(ROOT, "src"), os.path.join(root, "src"))
    os.makedirs(os.path.join(root, "tests", "unit", "nosuchlayer"))

    def add_line(rel, line):
        p = os.path.join(root, "src", rel)
        with open(p) as f:
            text = f.read()
        with open(p, "w") as f:
            f.write(line + "\n" + text)

    add_line("base/text.h", '#include "rules/model.h"')     # up: base includes rules
    add_line("fastcgi/loop.h", '#include "cgi/cgi.h"')       # sideways: one rank
    add_line("time/tz.h", '#include "time/hours.h"')         # a cycle: hours.h includes tz.h
    add_line("journal/calls.cpp", '#include "journal.h"')   # no folder
    with open(os.path.join(root, "src", "rules", "long.cpp"), "w") as f:
        f.write("// x\n" * 601)
    with open(os.path.join(root, "src", "loose.cpp"), "w") as f:
        f.write("int x;\n")
    r = layers(root)
    eq(r.returncode, 1, "exit status")
    out = r.stdout
    for want in ('src/base/text.h:1: base/ includes rules/model.h, from the layer above it',
                 'src/fastcgi/loop.h:1: fastcgi/ includes cgi/cgi.h, from cgi/ beside it',
                 'include cycle: time/',
                 'src/journal/calls.cpp:1: #include "journal.h" names no folder',
                 'src/rules/long.cpp:601: 601 lines, more than 600',
                 'src/loose.cpp:1: not in the folder of a layer',
                 'tests/unit/nosuchlayer/:1: no layer src/nosuchlayer/'):
        expect(want in out, f"not reported: {want!r}\n{out}")


@case("source: the C++ code is laid out as .clang-format says (make format-check)")
def _(run):
    exe = shutil.which("clang-format")
    expect(exe, "clang-format is not installed (make deps installs it)")
    files = sorted(os.path.join(d, f) for top in ("src", "tests/unit", "tests/fuzz", "bench")
                   for d, _, fs in os.walk(os.path.join(ROOT, top)) for f in fs if f.endswith((".cpp", ".h")))
    expect(len(files) > 80, f"only {len(files)} files found")
    r = subprocess.run([exe, "--dry-run", "--Werror", "--style=file:" + os.path.join(ROOT, ".clang-format")] + files,
                       capture_output=True, text=True, timeout=120)
    eq(r.returncode, 0, "clang-format --dry-run: " + r.stderr[-2000:] + " (make format lays them out)")
