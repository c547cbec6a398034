"""01_mulaw through the grading pipeline, in one batch, with broken files in it.

Besides what every assignment checks (``tests/grading/suite.py``): a notebook
that is not valid JSON, truncated or missing gets every row at 0, a feedback
page and a reason in the log; the CSV tables have one row per student and per
graded cell; every student gets a feedback page; grading again gives the same
scores.
"""

import csv

import nbformat
import pytest

from answers import collection
from answers.submissions import solution
from tests.grading.batch import grade_batch
from tests.grading.suite import GradingSuite

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "01_mulaw", "mulaw"
BROKEN = {
    "bad_json": b'{"cells": [ this is not json',
    "truncated_json": nbformat.writes(solution(ASSIGNMENT, NOTEBOOK)).encode()[:5000],
    "no_notebook": None,
}


class TestMulawGrading(GradingSuite):
    assignment_id = "01_mulaw"
    extra_submissions = BROKEN

    @pytest.mark.parametrize("student", sorted(BROKEN))
    def test_ungradable_submission_gets_zero_rows_and_a_reason(self, graded, student):
        """A broken or missing notebook gets every row at 0, a feedback page and a logged reason."""
        full_marks = self.answers.full_marks
        assert graded.cells[student] == dict.fromkeys(full_marks, 0.0)
        assert graded.totals[student] == (0.0, sum(full_marks.values()))
        out = graded.result.out
        page = out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert "could not be graded" in page.read_text(encoding="utf-8")
        outcome = next(o for o in graded.result.outcomes if o.student_id == student)
        assert outcome.status in {"failed", "missing"} and outcome.reason
        log = (out / "grading.log").read_text(encoding="utf-8")
        assert f"{student}/{ASSIGNMENT}/{NOTEBOOK}.ipynb scored 0" in log

    def test_tables_have_one_row_per_student_and_cell(self, graded):
        """grades.csv: one row per student; scores.csv: one row per student and graded cell."""
        out = graded.result.out
        with open(out / "grades.csv", encoding="utf-8") as handle:
            grades = list(csv.reader(handle))
        with open(out / "scores.csv", encoding="utf-8") as handle:
            scores = list(csv.reader(handle))
        assert grades[0] == ["student_id", "assignment_id", "score", "max_score"]
        header = ["student_id", "assignment_id", "notebook_id", "grade_id", "score", "max_score"]
        assert scores[0] == header
        assert len(grades) - 1 == len(graded.totals) == len(graded.cells)
        assert len(scores) - 1 == len(graded.cells) * len(self.answers.full_marks)

    def test_every_student_gets_a_feedback_page(self, graded):
        """One feedback HTML per student and notebook, including the failed ones."""
        for student in graded.cells:
            page = graded.result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
            assert page.is_file(), f"no feedback page for {student}"

    def test_grading_is_deterministic(self, graded, tmp_path):
        """Grading the same submissions again, one worker this time, gives the same scores."""
        answers = collection(ASSIGNMENT)
        again = {
            "solution": solution(ASSIGNMENT, NOTEBOOK),
            "demo_student": solution(ASSIGNMENT, NOTEBOOK, answers.cell_code(answers.demo_student)),
        }
        cells, _, _ = grade_batch(tmp_path, again, workers=1)
        assert cells == {student: graded.cells[student] for student in again}

    def test_feedback_shows_messages_not_hidden_tests(self, graded):
        """A failing test's message reaches the student; the hidden tests' code does not."""
        student, _ = graded.packs["decode_mu_power"]
        page = graded.result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        text = page.read_text(encoding="utf-8")
        assert "should be" in text and "mu_law_decode(" in text
        for secret in ("BEGIN HIDDEN TESTS", "course.reference", "_ref.", "manual_seed(1202)"):
            assert secret not in text, f"the feedback page shows {secret!r}"
