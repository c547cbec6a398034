"""An interrupted grading run loses nothing, and running it again finishes the rest."""

import csv
import os
import signal
import subprocess
import sys
import time

import pytest
from nbgrader.api import Gradebook

from answers.submissions import solution, untouched
from autograder.paths import REPO
from autograder.settings import COURSE_ID
from tests.grading.batch import ASSIGNMENT, NOTEBOOK, write_batch

pytestmark = pytest.mark.slow


def _grade(submitted, out):
    return subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(out)],
        cwd=REPO,
        env=dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _gradebook_students(out):
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", COURSE_ID) as gradebook:
        return {s.student.id for s in gradebook.assignment_submissions(ASSIGNMENT)}


def test_ctrl_c_keeps_what_was_graded_and_a_rerun_finishes(tmp_path):
    """SIGINT after the first result: exit 130, graded rows kept; the rerun grades only the rest."""
    students = {f"s{i}": solution(ASSIGNMENT, NOTEBOOK) for i in range(5)}
    students["blank"] = untouched(ASSIGNMENT, NOTEBOOK)
    submitted = write_batch(tmp_path / "submitted", students)
    out = tmp_path / "out"
    run = _grade(submitted, out)
    deadline = time.monotonic() + 600
    while not list((out / "results").glob("*/*.json")):
        assert run.poll() is None, run.communicate()[0]
        assert time.monotonic() < deadline, "no result within the time limit"
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)
    output = run.communicate(timeout=300)[0]
    assert run.returncode == 130, output
    kept = {p.parent.name for p in (out / "results").glob("*/*.json")}
    assert kept and kept < set(students), kept
    assert _gradebook_students(out) == kept, "the gradebook must hold every graded submission"
    with open(out / "grades.csv", encoding="utf-8") as handle:
        assert {row["student_id"] for row in csv.DictReader(handle)} == kept

    again = _grade(submitted, out)
    output = again.communicate(timeout=900)[0]
    assert again.returncode == 0, output
    log = (out / "grading.log").read_text(encoding="utf-8")
    assert f"kept {len(kept)} results of an earlier run" in log
    with open(out / "grades.csv", encoding="utf-8") as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert set(scores) == set(students) == _gradebook_students(out)
    assert scores["blank"] == 0 and all(scores[s] == 10 for s in students if s != "blank")
