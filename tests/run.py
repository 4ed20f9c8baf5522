#!/usr/bin/env python3
"""Runs every test of callrouter: the doctest units, then the integration cases
(tests/it_*.py) against the real binary as CGI, as FastCGI and behind nginx.
Ends with one line of its own: "N passed, N failed". Exits 1 when anything failed.

usage: tests/run.py [--build DIR] [-k SUBSTRING] [--no-unit]
"""

import argparse
import glob
import importlib
import os
import re
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def run_units(build):
    """Runs build/unit-tests; returns (passed, failed) test cases."""
    exe = os.path.join(build, "unit-tests")
    if not os.access(exe, os.X_OK):
        print(f"FAIL unit tests: {exe} is not built (make check builds it)")
        return 0, 1
    r = subprocess.run([exe, "--no-colors=true"], capture_output=True, text=True)
    sys.stdout.write(r.stdout[-4000:] if r.returncode else "")
    sys.stderr.write(r.stderr[-4000:] if r.returncode else "")
    m = re.search(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed", r.stdout)
    if not m:
        print("FAIL unit tests: no doctest summary (crashed?)")
        return 0, 1
    passed, failed = int(m.group(2)), int(m.group(3))
    if r.returncode != 0 and failed == 0:
        failed = 1
    print(f"unit tests (doctest): {passed} test cases passed, {failed} failed")
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("-k", dest="pattern", default="")
    ap.add_argument("--no-unit", action="store_true")
    args = ap.parse_args()

    passed = failed = 0
    if not args.no_unit and not args.pattern:
        p, f = run_units(args.build)
        passed += p
        failed += f

    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "it_*.py"))):
        importlib.import_module(os.path.basename(path)[:-3])

    # The short fuzz runs, as named cases, when the drivers are built.
    sys.path.insert(0, os.path.join(here, "fuzz"))
    from cases import fuzz_cases  # noqa: E402
    harness.CASES.extend(fuzz_cases(args.build))

    failures = []
    for name, fn in harness.CASES:
        if args.pattern and args.pattern not in name:
            continue
        run = harness.Run(args.build)
        t0 = time.monotonic()
        detail = None
        try:
            fn(run)
        except Exception as e:  # a failed case, whatever it raised
            detail = str(e) if isinstance(e, harness.Failure) else traceback.format_exc()
        # Every server the case started is stopped, and must end as it documents.
        try:
            problems = run.stop_all()
        except Exception:  # the harness itself broke: the case cannot be trusted
            problems = [traceback.format_exc()]
        if problems:
            detail = (detail + "\n     " if detail else "") + "stopping: " + "; ".join(problems)
        if detail is None:
            passed += 1
            print(f"ok   {name} ({time.monotonic() - t0:.2f}s)")
        else:
            failed += 1
            failures.append(name)
            print(f"FAIL {name}: {detail}")
            for p in run.started:
                out = p.output()[-1500:]
                if out:
                    print(f"     --- {p.name} (pid {p.pid}) output, last lines ---\n" +
                          "\n".join("     " + line for line in out.splitlines()))
        run.close()
        sys.stdout.flush()

    if failures:
        print("failed cases: " + ", ".join(failures))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
