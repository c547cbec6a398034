"""05_triplet through the grading pipeline, in one batch.

The solution scores 20, the untouched release 0, the demo's partly wrong student
its expected score; every correct variant keeps full marks; every plausible mistake
loses the points of its own test cell and nothing else. A correct function that
calls a wrong ``pairwise_distances`` loses nothing on its own test (the test cells
of the functions that may call it swap in the reference ``pairwise_distances``).
"""

import pytest

from tests.grading_suite import grading_tests
from tests.triplet_answers import CROSS, MISTAKES, VARIANTS

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "05_triplet", "triplet"
globals().update(grading_tests(ASSIGNMENT, NOTEBOOK, MISTAKES, VARIANTS, cross=CROSS))
FULL_MARKS = globals()["FULL_MARKS"]


def test_points_are_the_suggested_ones():
    """The points of the title's table, 20 in all."""
    assert FULL_MARKS == {
        "test_pairwise_distances": 2.0,
        "test_triplet_loss": 2.0,
        "test_toy_triplet_loss": 2.0,
        "test_mine_triplets": 3.0,
        "test_batch_hard_triplet_loss": 3.0,
        "test_knn_identify": 3.0,
        "test_max_cloud_diameter": 2.0,
        "test_same_identity": 1.0,
        "test_collection_embedding": 2.0,
    }
