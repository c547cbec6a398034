"""The grading pipeline on a batch: samples, correct variants, broken files."""

import csv

import nbformat
import pytest

from autograder.sample_answers import EXPECTED_SCORES
from autograder.samples import solution, untouched
from tests.grading_helpers import ASSIGNMENT, NOTEBOOK, grade_batch
from tests.mulaw_answers import VARIANTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.sample_answers import PARTLY_WRONG

    good = solution(ASSIGNMENT, NOTEBOOK)
    submissions = {
        "solution": good,
        "untouched": untouched(ASSIGNMENT, NOTEBOOK),
        "partly_wrong": solution(ASSIGNMENT, NOTEBOOK, PARTLY_WRONG[ASSIGNMENT][NOTEBOOK]),
        "bad_json": b'{"cells": [ this is not json',
        "truncated_json": nbformat.writes(good).encode()[:5000],
        "no_notebook": None,
    }
    for name, (grade_id, code) in VARIANTS.items():
        submissions[f"variant_{name}"] = solution(ASSIGNMENT, NOTEBOOK, {grade_id: code})
    root = tmp_path_factory.mktemp("pipeline")
    cells, totals, result = grade_batch(root, submissions)
    return cells, totals, result


def test_solution_gets_full_marks(graded):
    """The instructor's solution, submitted as a student would, scores 10 of 10."""
    _, totals, _ = graded
    assert totals["solution"] == (10.0, 10.0)


def test_untouched_notebook_gets_zero(graded):
    """The released notebook submitted unchanged scores 0 of 10."""
    _, totals, _ = graded
    assert totals["untouched"] == (0.0, 10.0)


def test_partly_wrong_sample_scores_in_between(graded):
    """The demo's partly wrong student: encode and dequantize right, 3 of 10."""
    cells, totals, _ = graded
    assert 0 < totals["partly_wrong"][0] < 10
    assert totals["partly_wrong"] == (EXPECTED_SCORES[ASSIGNMENT], 10.0), cells["partly_wrong"]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_correct_variant_keeps_full_marks(graded, name):
    """A correct answer written differently (or noisy on stderr) loses nothing."""
    cells, totals, _ = graded
    assert totals[f"variant_{name}"] == (10.0, 10.0), cells[f"variant_{name}"]


@pytest.mark.parametrize("student", ["bad_json", "truncated_json", "no_notebook"])
def test_ungradable_submission_gets_zero_rows_and_a_reason(graded, full_marks, student):
    """A broken or missing notebook gets every row at 0, a feedback page and a logged reason."""
    cells, totals, result = graded
    assert cells[student] == dict.fromkeys(full_marks, 0.0)
    assert totals[student] == (0.0, 10.0)
    page = result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
    assert "could not be graded" in page.read_text(encoding="utf-8")
    outcome = next(o for o in result.outcomes if o.student_id == student)
    assert outcome.status in {"failed", "missing"} and outcome.reason
    assert f"{student}/{ASSIGNMENT}/{NOTEBOOK}.ipynb scored 0" in (
        result.out / "grading.log"
    ).read_text(encoding="utf-8")


def test_tables_have_one_row_per_student_and_cell(graded, full_marks):
    """grades.csv: one row per student; scores.csv: one row per student and graded cell."""
    cells, totals, result = graded
    with open(result.out / "grades.csv", encoding="utf-8") as handle:
        grades = list(csv.reader(handle))
    with open(result.out / "scores.csv", encoding="utf-8") as handle:
        scores = list(csv.reader(handle))
    assert grades[0] == ["student_id", "assignment_id", "score", "max_score"]
    assert scores[0] == [
        "student_id",
        "assignment_id",
        "notebook_id",
        "grade_id",
        "score",
        "max_score",
    ]
    assert len(grades) - 1 == len(totals) == len(cells)
    assert len(scores) - 1 == len(cells) * len(full_marks)


def test_every_student_gets_a_feedback_page(graded):
    """One feedback HTML per student and notebook, including the failed ones."""
    cells, _, result = graded
    for student in cells:
        page = result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert page.is_file(), f"no feedback page for {student}"


def test_grading_is_deterministic(graded, tmp_path):
    """Grading the same submissions again, one worker this time, gives the same scores."""
    from autograder.sample_answers import PARTLY_WRONG

    again = {
        "solution": solution(ASSIGNMENT, NOTEBOOK),
        "partly_wrong": solution(ASSIGNMENT, NOTEBOOK, PARTLY_WRONG[ASSIGNMENT][NOTEBOOK]),
    }
    cells, _, _ = grade_batch(tmp_path, again, workers=1)
    first, _, _ = graded
    assert cells == {student: first[student] for student in again}
