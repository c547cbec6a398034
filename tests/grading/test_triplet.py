"""05_triplet through the grading pipeline, in one batch (see tests/grading/suite.py).

Besides what every assignment checks: a wrong ``pairwise_distances`` costs its own
test only, because the test cells of the functions that may call it swap in the
answer key's (the ``cross`` answers); and the feedback of a student tells the
conventions the visible tests check in one sentence: the tie rule of
``knn_identify`` and "too slow: vectorize" for a mining loop over triplets.
"""

import pytest

from tests.grading.suite import GradingSuite

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "05_triplet", "triplet"


class TestTripletGrading(GradingSuite):
    assignment_id = "05_triplet"

    def _feedback(self, graded, answer):
        student, _ = graded.packs[answer]
        page = graded.result.out / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        return page.read_text(encoding="utf-8")

    def test_feedback_says_a_mining_loop_is_too_slow(self, graded):
        """A loop over triplets gets right triplets and the one-sentence reason it loses."""
        assert "too slow: vectorize" in self._feedback(graded, "mine_triple_loop")

    def test_feedback_states_the_tie_rule(self, graded):
        """Breaking a tie of votes by the nearest neighbour is answered with the course's rule."""
        text = self._feedback(graded, "knn_tie_to_nearest")
        assert "choose the smallest label" in text
