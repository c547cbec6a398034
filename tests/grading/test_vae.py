"""02_vae through the grading pipeline, in one batch.

The solution scores 10, the untouched release 0, the demo's partly wrong student
its expected score; every correct variant keeps full marks; every plausible mistake
loses the points of its own test cell and nothing else. A ``negative_elbo`` that
calls a wrong ``kl_divergence`` does not lose points on ``test_negative_elbo``
(its test cell swaps in the reference ``kl_divergence`` while grading).
"""

import pytest

from tests.grading_suite import grading_tests
from tests.vae_answers import CROSS, MISTAKES, VARIANTS

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "02_vae", "vae"
globals().update(grading_tests(ASSIGNMENT, NOTEBOOK, MISTAKES, VARIANTS, cross=CROSS))
FULL_MARKS = globals()["FULL_MARKS"]


def test_points_are_the_suggested_ones():
    """3 + 3 + 4 points on the three test cells, 10 in all."""
    assert FULL_MARKS == {
        "test_reparameterize": 3.0,
        "test_kl_divergence": 3.0,
        "test_negative_elbo": 4.0,
    }
