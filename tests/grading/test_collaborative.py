"""06_collaborative through the grading pipeline, in one batch.

The solution scores 12, the untouched release 0, the demo's partly wrong student
its expected score; every correct variant (Python loops over pairs among them)
keeps full marks; every plausible mistake loses the points of its own test cell
and nothing else. The solution's ``pearson_item_similarity`` calls
``pearson_user_similarity``: the mistake ``pearson_overall_means`` must still
keep the item similarity's point (its test cell uses the answer key's user
similarity while it runs).
"""

import pytest

from tests.collaborative_answers import MISTAKES, VARIANTS
from tests.grading_suite import grading_tests

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "06_collaborative", "collaborative"
globals().update(grading_tests(ASSIGNMENT, NOTEBOOK, MISTAKES, VARIANTS))
FULL_MARKS = globals()["FULL_MARKS"]


def test_points_are_the_suggested_ones():
    """3 + 1 + 2 + 2 + 2 + 1 + 1 points on the seven test cells, 12 in all."""
    assert FULL_MARKS == {
        "test_pearson_user_similarity": 3.0,
        "test_pearson_item_similarity": 1.0,
        "test_user_based_scores": 2.0,
        "test_item_based_scores": 2.0,
        "test_recommend": 2.0,
        "test_precision_at_k": 1.0,
        "test_recall_at_k": 1.0,
    }


def test_a_wrong_user_similarity_is_not_counted_twice(graded):
    """The item similarity built on a wrong user similarity keeps its point."""
    cells, _, _ = graded
    scores = cells["mistake_pearson_overall_means"]
    assert scores["test_pearson_user_similarity"] == 0
    assert scores["test_pearson_item_similarity"] == 1.0
