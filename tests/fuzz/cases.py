"""The short fuzz runs of `make check`: one named case per libFuzzer driver that is built
($BUILD/fuzz/fuzz_NAME, by `make fuzz-build`), run for FUZZ_SECONDS (default 30) from a
copy of its seed corpus (tests/fuzz/corpus/NAME), with its dictionary
(tests/fuzz/NAME.dict). The config fuzzer's copy also gets the golden rule files of
tests/config (up to 4 KiB each, so that the inputs stay as long as the corpus's). A
crash, a sanitizer report, a violated property, a timeout or a leak fails the case,
with the input that did it."""

import glob
import os
import shutil
import subprocess

from harness import ROOT, Failure


def fuzz_cases(build):
    seconds = int(os.environ.get("FUZZ_SECONDS", "30"))
    cases = []
    for exe in sorted(glob.glob(os.path.join(os.path.abspath(build), "fuzz", "fuzz_*"))):
        if not os.access(exe, os.X_OK) or exe.endswith((".o", ".d", ".log")):
            continue
        name = os.path.basename(exe)[len("fuzz_"):]
        cases.append((f"fuzz: {name} for {seconds} s (libFuzzer, ASan + UBSan)", _runner(exe, name, seconds)))
    return cases


def _runner(exe, name, seconds):
    def fn(run):
        corpus = run.path("corpus")
        shutil.copytree(os.path.join(ROOT, "tests", "fuzz", "corpus", name), corpus)
        if name == "config":
            add_golden_seeds(corpus)
        artifacts = run.path("artifacts") + "/"
        os.makedirs(artifacts)
        dict_file = os.path.join(ROOT, "tests", "fuzz", name + ".dict")
        args = [f"-dict={dict_file}"] if os.path.exists(dict_file) else []
        r = subprocess.run([exe, f"-max_total_time={seconds}", "-timeout=10", "-rss_limit_mb=2048",
                            "-print_final_stats=1", f"-artifact_prefix={artifacts}"] + args + [corpus],
                           capture_output=True, text=True, timeout=seconds + 120, cwd=run.dir)
        out = r.stdout + r.stderr
        found = os.listdir(artifacts)
        if r.returncode != 0 or found:
            keep = os.path.join(ROOT, "build", "fuzz", "found")
            os.makedirs(keep, exist_ok=True)
            for f in found:
                shutil.copy(os.path.join(artifacts, f), os.path.join(keep, f"{name}-{f}"))
            raise Failure(f"fuzz_{name} exit {r.returncode}, inputs kept in {keep}: {found}\n" + out[-3000:])
        runs = [l for l in out.splitlines() if l.startswith("stat::number_of_executed_units")]
        if not runs:
            raise Failure("no libFuzzer statistics:\n" + out[-2000:])
    return fn


GOLDEN_SEED_MAX = 4096


def golden_seeds():
    """The rule files of tests/config that seed the config fuzzer: each NAME.ini and
    NAME/rules.ini that is a regular file of at most GOLDEN_SEED_MAX bytes."""
    config = os.path.join(ROOT, "tests", "config")
    paths = glob.glob(os.path.join(config, "*.ini")) + glob.glob(os.path.join(config, "*", "rules.ini"))
    return sorted(p for p in paths if os.path.isfile(p) and os.path.getsize(p) <= GOLDEN_SEED_MAX)


def add_golden_seeds(corpus):
    """Copies the golden rule files into a copy of the config corpus, as golden-NAME.ini."""
    for p in golden_seeds():
        rel = os.path.relpath(p, os.path.join(ROOT, "tests", "config"))
        shutil.copyfile(p, os.path.join(corpus, "golden-" + rel.replace(os.sep, "-")))
