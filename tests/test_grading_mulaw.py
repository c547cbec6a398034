"""01_mulaw through the grading pipeline, in one batch, with broken files in it.

Besides what every assignment checks (``tests/grading_suite.py``): a notebook
that is not valid JSON, truncated or missing gets every row at 0, a feedback
page and a reason in the log; the CSV tables have one row per student and per
graded cell; every student gets a feedback page; grading again gives the same
scores.
"""

import csv

import nbformat
import pytest

from autograder.sample_answers import PARTLY_WRONG
from autograder.samples import solution
from tests.grading_helpers import grade_batch
from tests.grading_suite import grading_tests
from tests.mulaw_answers import MISTAKES, VARIANTS

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "01_mulaw", "mulaw"
BROKEN = {
    "bad_json": b'{"cells": [ this is not json',
    "truncated_json": nbformat.writes(solution(ASSIGNMENT, NOTEBOOK)).encode()[:5000],
    "no_notebook": None,
}
globals().update(grading_tests(ASSIGNMENT, NOTEBOOK, MISTAKES, VARIANTS, BROKEN))
FULL_MARKS = globals()["FULL_MARKS"]


def test_points_are_the_suggested_ones():
    """2 + 2 + 3 + 1 + 2 points on the five test cells, 10 in all."""
    assert FULL_MARKS == {
        "test_mu_law_encode": 2.0,
        "test_mu_law_decode": 2.0,
        "test_quantize": 3.0,
        "test_dequantize": 1.0,
        "test_snr_db": 2.0,
    }


@pytest.mark.parametrize("student", sorted(BROKEN))
def test_ungradable_submission_gets_zero_rows_and_a_reason(graded, student):
    """A broken or missing notebook gets every row at 0, a feedback page and a logged reason."""
    cells, totals, result = graded
    assert cells[student] == dict.fromkeys(FULL_MARKS, 0.0)
    assert totals[student] == (0.0, 10.0)
    page = result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
    assert "could not be graded" in page.read_text(encoding="utf-8")
    outcome = next(o for o in result.outcomes if o.student_id == student)
    assert outcome.status in {"failed", "missing"} and outcome.reason
    log = (result.out / "grading.log").read_text(encoding="utf-8")
    assert f"{student}/{ASSIGNMENT}/{NOTEBOOK}.ipynb scored 0" in log


def test_tables_have_one_row_per_student_and_cell(graded):
    """grades.csv: one row per student; scores.csv: one row per student and graded cell."""
    cells, totals, result = graded
    with open(result.out / "grades.csv", encoding="utf-8") as handle:
        grades = list(csv.reader(handle))
    with open(result.out / "scores.csv", encoding="utf-8") as handle:
        scores = list(csv.reader(handle))
    assert grades[0] == ["student_id", "assignment_id", "score", "max_score"]
    header = ["student_id", "assignment_id", "notebook_id", "grade_id", "score", "max_score"]
    assert scores[0] == header
    assert len(grades) - 1 == len(totals) == len(cells)
    assert len(scores) - 1 == len(cells) * len(FULL_MARKS)


def test_every_student_gets_a_feedback_page(graded):
    """One feedback HTML per student and notebook, including the failed ones."""
    cells, _, result = graded
    for student in cells:
        page = result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert page.is_file(), f"no feedback page for {student}"


def test_grading_is_deterministic(graded, tmp_path):
    """Grading the same submissions again, one worker this time, gives the same scores."""
    again = {
        "solution": solution(ASSIGNMENT, NOTEBOOK),
        "partly_wrong": solution(ASSIGNMENT, NOTEBOOK, PARTLY_WRONG[ASSIGNMENT][NOTEBOOK]),
    }
    cells, _, _ = grade_batch(tmp_path, again, workers=1)
    first, _, _ = graded
    assert cells == {student: first[student] for student in again}
