"""03_realnvp through the grading pipeline, in one batch (see tests/grading_suite.py).

In particular a wrong coupling layer or base density does not cost points on
``test_flow_log_prob``, which calls them (its test cell swaps in stand-ins).
"""

import pytest

from tests.grading_suite import grading_tests
from tests.realnvp_answers import MISTAKES, VARIANTS

pytestmark = pytest.mark.slow

globals().update(grading_tests("03_realnvp", "realnvp", MISTAKES, VARIANTS))
FULL_MARKS = globals()["FULL_MARKS"]


def test_points_are_the_suggested_ones():
    """2 + 3 + 2 + 3 points on the four test cells, 10 in all."""
    assert FULL_MARKS == {
        "test_standard_normal_log_prob": 2.0,
        "test_affine_coupling_forward": 3.0,
        "test_affine_coupling_inverse": 2.0,
        "test_flow_log_prob": 3.0,
    }
