"""06_collaborative through the grading pipeline, in one batch.

Besides what every assignment checks (``tests/grading/suite.py``):

* a wrong ``pearson_user_similarity`` costs points on its own test only: the
  item similarity that calls it keeps its point (its test cell grades with the
  answer key's user similarity in its place), whether the item cell is the
  solution's or a student's one-line call;
* a correct loop over pairs, users or items in exercises 1 to 4 loses its
  test for speed alone ("too slow: vectorize"), while the answer key's fast
  version of the user similarity keeps full marks.
"""

import pytest

from tests.grading.suite import GradingSuite

pytestmark = pytest.mark.slow

TOO_SLOW = [
    ("pearson_python_loops_too_slow", "test_pearson_user_similarity"),
    ("item_similarity_python_loops_too_slow", "test_pearson_item_similarity"),
    ("user_scores_python_loops_too_slow", "test_user_based_scores"),
    ("item_scores_python_loops_too_slow", "test_item_based_scores"),
]


class TestCollaborativeGrading(GradingSuite):
    assignment_id = "06_collaborative"

    @pytest.mark.parametrize(("answer", "test"), TOO_SLOW)
    def test_a_loop_loses_its_test_for_speed_only(self, graded, answer, test):
        """The loop answers compute the right values: they lose exactly their own test."""
        assert self.answers.answers[answer].loses == (test,)
        student, _ = graded.packs[answer]
        assert graded.cells[student][test] == 0
