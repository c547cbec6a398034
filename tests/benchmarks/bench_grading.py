"""Grading a class: our pipeline against plain serial ``nbgrader autograde``.

    .venv/bin/python -m tests.benchmarks.bench_grading [--students 40]

Builds 40 submissions of 01_mulaw (a mix of full solutions, untouched
notebooks and solutions with one plausible mistake), grades them with
``python -m autograder grade`` (default workers, sandbox on where bubblewrap
works, feedback pages included) and with ``nbgrader autograde`` run serially
on the same files in a plain nbgrader course folder (same nbgrader settings),
in the same run, and once more through a Dask ``LocalCluster`` of two workers
(``--scheduler local:2``). Prints the times and writes
``build/bench/grading.json`` with ``ours_s``, ``dask_local2_s``,
``nbgrader_s``, ``ratio`` (nbgrader / ours), ``dask_over_local`` and whether
the three agree on every score. Goals on a 2-core machine: ratio >= 1.8 with
isolation on; Dask within 10% of the local pool (``dask_over_local`` <= 1.1).
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from answers import collection
from answers.submissions import solution, untouched
from autograder.paths import COURSE_PACKAGE, REPO, SOLUTIONS
from autograder.sandbox import bwrap_works
from autograder.settings import COURSE_ID
from tests.benchmarks.results import write_result
from tests.grading.batch import write_batch

ASSIGNMENT, NOTEBOOK = "01_mulaw", "mulaw"

#: The plain nbgrader course's config: the course's own settings (found on PYTHONPATH).
NBGRADER_CONFIG = """
from autograder.settings import apply
c = get_config()
apply(c, root={root!r}, db_url={db!r})
"""


def class_of(n):
    """``n`` submissions: a third correct, a third untouched, a third with one mistake."""
    answers = collection(ASSIGNMENT)
    mistakes = sorted(name for name, answer in answers.answers.items() if not answer.is_correct)
    students = {}
    for i in range(n):
        kind = i % 3
        if kind == 0:
            students[f"s{i:03d}_correct"] = solution(ASSIGNMENT, NOTEBOOK)
        elif kind == 1:
            students[f"s{i:03d}_blank"] = untouched(ASSIGNMENT, NOTEBOOK)
        else:
            code = answers.cell_code([mistakes[i % len(mistakes)]])
            students[f"s{i:03d}_wrong"] = solution(ASSIGNMENT, NOTEBOOK, code)
    return students


def run_ours(submitted, out, *options):
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(out), *options],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    with open(out / "grades.csv") as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    return elapsed, scores


def run_nbgrader(submitted, course):
    """Plain nbgrader: a course folder, generate_assignment, then serial autograde."""
    course.mkdir(parents=True)
    shutil.copytree(COURSE_PACKAGE, course / "course")
    shutil.copytree(SOLUTIONS / ASSIGNMENT, course / "source" / ASSIGNMENT)
    shutil.copytree(submitted, course / "submitted")
    db = f"sqlite:///{course / 'gradebook.db'}"
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(root=str(course), db=db))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env["PYTHONPATH"] = str(REPO)
    nbgrader = str(Path(sys.executable).parent / "nbgrader")

    def run(step):
        command = [nbgrader, step, ASSIGNMENT, "--force"]
        subprocess.run(command, cwd=course, env=env, check=True, capture_output=True)

    run("generate_assignment")
    start = time.perf_counter()
    run("autograde")
    elapsed = time.perf_counter() - start
    with Gradebook(db, COURSE_ID) as gradebook:
        scores = {
            s.student.id: float(s.score) for s in gradebook.assignment_submissions(ASSIGNMENT)
        }
    return elapsed, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        submitted = write_batch(tmp / "submitted", class_of(args.students))
        ours_s, ours = run_ours(submitted, tmp / "ours")
        dask_s, on_dask = run_ours(submitted, tmp / "dask", "--scheduler", "local:2")
        nbgrader_s, theirs = run_nbgrader(submitted, tmp / "nbgrader")
    agree = ours == theirs == on_dask
    result = {
        "students": args.students,
        "workers": os.cpu_count(),
        "sandbox": bwrap_works(),
        "ours_s": round(ours_s, 1),
        "dask_local2_s": round(dask_s, 1),
        "nbgrader_s": round(nbgrader_s, 1),
        "ratio": round(nbgrader_s / ours_s, 2),
        "dask_over_local": round(dask_s / ours_s, 3),
        "scores_agree": agree,
    }
    if not agree:
        result["differences"] = {
            s: (ours.get(s), on_dask.get(s), theirs.get(s))
            for s in sorted(set(ours) | set(theirs) | set(on_dask))
            if not ours.get(s) == on_dask.get(s) == theirs.get(s)
        }
    print(
        f"python -m autograder grade : {ours_s:7.1f} s ({result['workers']} workers, "
        f"sandbox {'on' if result['sandbox'] else 'off'}, feedback included)"
    )
    print(f"same, --scheduler local:2  : {dask_s:7.1f} s (Dask / local pool {dask_s / ours_s:.3f})")
    print(f"nbgrader autograde (serial): {nbgrader_s:7.1f} s")
    print(f"ratio nbgrader / ours      : {result['ratio']:7.2f}   scores agree: {agree}")
    write_result("grading", result)
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
