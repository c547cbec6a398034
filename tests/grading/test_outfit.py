"""07_outfit through the grading pipeline, in one batch.

Besides what every assignment checks (``tests/grading/suite.py``):

* a ``relaxed_completion`` that calls a wrong or missing ``nearest_items``
  keeps its marks on ``test_relaxed_completion`` (the cell grades with the
  answer key's ``nearest_items`` in its place), so that one mistake is not
  counted twice;
* a search that calls the score once per item is told so in its feedback
  ("too many calls: batch them"), and a right answer that starts its
  relaxation somewhere else than the answer key keeps full marks (the tests'
  scores have one optimum, reached from any start);
* a ``completion_loss`` that cannot be trained through (``.item()``) is told
  why in its feedback, and one that sums the slots is pointed at the mean.
"""

import html

import pytest

from tests.grading.suite import GradingSuite

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "07_outfit", "outfit"


class TestOutfitGrading(GradingSuite):
    assignment_id = "07_outfit"

    @pytest.mark.parametrize(
        "answer",
        ["wrong_nearest_used_by_a_plain_relaxation", "missing_nearest_used_by_a_plain_relaxation"],
    )
    def test_a_wrong_nearest_costs_points_on_its_own_test_only(self, graded, answer):
        """test_nearest_items scores 0, test_relaxed_completion keeps its points."""
        student, _ = graded.packs[answer]
        scores = graded.cells[student]
        full = self.answers.full_marks
        assert scores["test_nearest_items"] == 0
        assert scores["test_relaxed_completion"] == full["test_relaxed_completion"]

    @pytest.mark.parametrize("answer", ["one_step_one_call_per_item", "k_step_one_call_per_item"])
    def test_a_loop_over_items_is_told_to_batch(self, graded, answer):
        """The feedback page of a per-item loop says what was counted and asks for a batch."""
        student, _ = graded.packs[answer]
        page = graded.result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        text = page.read_text(encoding="utf-8")
        assert "too many calls: batch them" in text

    def test_a_relaxation_from_another_start_keeps_its_marks(self, graded):
        """Starting every free vector at 0 (not the key's start) still finds the tests' answers."""
        student, _ = graded.packs["relaxed_plain_from_zero"]
        full = self.answers.full_marks
        assert graded.cells[student]["test_relaxed_completion"] == full["test_relaxed_completion"]

    @pytest.mark.parametrize(
        ("answer", "words"),
        [
            ("loss_not_differentiable", "returned a loss without a gradient"),
            ("loss_sums_the_slots", "Take the mean over the slots, not their sum."),
        ],
    )
    def test_a_wrong_loss_is_told_why(self, graded, answer, words):
        """The feedback page of a wrong completion_loss carries the visible test's hint."""
        student, _ = graded.packs[answer]
        page = graded.result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert words in html.unescape(page.read_text(encoding="utf-8"))
