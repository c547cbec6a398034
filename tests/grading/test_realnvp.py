"""03_realnvp through the grading pipeline, in one batch (see tests/grading/suite.py).

Besides what every assignment checks: a wrong or missing coupling layer or
base density costs its own test only, because ``test_flow_log_prob`` swaps in
stand-ins while it runs (the ``cross_*`` answers and the demo student check
it), and a student who makes the slip of the exam answer (``log_det`` summed
over the copied coordinates) is told so in the feedback.
"""

import pytest

from tests.grading.suite import GradingSuite

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "03_realnvp", "realnvp"


class TestRealnvpGrading(GradingSuite):
    assignment_id = "03_realnvp"

    def test_flow_keeps_its_points_on_top_of_a_wrong_coupling(self, graded):
        """The demo student's coupling is wrong and its inverse missing; its flow still scores."""
        scores = graded.cells["demo_student"]
        assert scores["test_affine_coupling_forward"] == 0.0
        assert scores["test_affine_coupling_inverse"] == 0.0
        assert scores["test_flow_log_prob"] == self.answers.full_marks["test_flow_log_prob"]

    def test_feedback_names_the_slip_of_the_exam_answer(self, graded):
        """The demo student sums s over the copied coordinates; the feedback says what that is."""
        page = graded.result.out / "feedback" / "demo_student" / ASSIGNMENT / f"{NOTEBOOK}.html"
        text = page.read_text(encoding="utf-8")
        assert "You summed s over the copied coordinates" in text
        assert "the slip of the exam answer" in text
