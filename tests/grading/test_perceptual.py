"""04_perceptual through the grading pipeline, in one batch.

Besides what every assignment checks (``tests/grading/suite.py``): a function
that calls a wrong or missing one keeps its marks on its own test (the cell
grades with the answer key's callee in its place), so that one mistake is not
counted twice: ``style_loss`` calls ``gram_matrix``, ``perceptual_loss`` calls
``content_loss`` and ``style_loss``, ``stylize`` calls ``perceptual_loss`` and
``total_variation_loss``.
"""

import pytest

from tests.grading.suite import GradingSuite

pytestmark = pytest.mark.slow

#: Cross-cell answers: (answer, the callee's test it loses, the caller's test it keeps).
CROSS = [
    ("wrong_gram_used_by_a_plain_style_loss", "test_gram_matrix", "test_style_loss"),
    ("missing_gram_used_by_a_plain_style_loss", "test_gram_matrix", "test_style_loss"),
    (
        "wrong_content_loss_used_by_a_plain_perceptual_loss",
        "test_content_loss",
        "test_perceptual_loss",
    ),
    ("wrong_style_loss_used_by_a_plain_perceptual_loss", "test_style_loss", "test_perceptual_loss"),
    ("wrong_perceptual_loss_used_by_a_plain_stylize", "test_perceptual_loss", "test_stylize"),
    ("wrong_tv_used_by_a_checked_stylize", "test_total_variation_loss", "test_stylize"),
]


class TestPerceptualGrading(GradingSuite):
    assignment_id = "04_perceptual"

    @pytest.mark.parametrize(("answer", "callee_test", "caller_test"), CROSS)
    def test_a_wrong_callee_costs_points_on_its_own_test_only(
        self, graded, answer, callee_test, caller_test
    ):
        """The callee's test scores 0, the caller's keeps its points."""
        student, _ = graded.packs[answer]
        scores = graded.cells[student]
        assert scores[callee_test] == 0
        assert scores[caller_test] == self.answers.full_marks[caller_test]

    def test_feedback_names_the_gram_normalisation(self, graded):
        """A Gram matrix divided by H*W only gets the one-sentence hint about C*H*W."""
        student, _ = graded.packs["gram_divides_by_positions_only"]
        page = graded.result.out / "feedback" / student / self.assignment_id / "perceptual.html"
        text = page.read_text(encoding="utf-8")
        assert "not only by the number of positions" in text
        assert "BEGIN HIDDEN TESTS" not in text and "course.reference" not in text
