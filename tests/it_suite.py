"""The test suite's own layout: a case file (tests/it_*.py) takes what it shares from
harness.py and fixtures.py, never from another case file."""

import ast
import glob
import os

from harness import ROOT, case, expect


@case("suite: no case file imports another case file")
def _(run):
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "it_*.py")))
    expect(len(files) > 10, f"only {len(files)} case files found")
    for path in files:
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                expect(not name.split(".")[0].startswith("it_"),
                       f"{os.path.relpath(path, ROOT)}:{node.lineno}: imports the case file {name}")
