"""02_vae through the grading pipeline, in one batch.

Besides what every assignment checks (``tests/grading/suite.py``): a
``negative_elbo`` that calls a wrong or missing ``kl_divergence`` keeps its
marks on ``test_negative_elbo`` (the cell grades with the answer key's
``kl_divergence`` in its place), so that one mistake is not counted twice.
"""

import pytest

from tests.grading.suite import GradingSuite

pytestmark = pytest.mark.slow


class TestVaeGrading(GradingSuite):
    """The cross answers ``wrong_kl_used_by_a_plain_elbo`` and
    ``missing_kl_used_by_a_checked_elbo`` lose ``test_kl_divergence`` only (the
    suite checks every answer's declared losses)."""

    assignment_id = "02_vae"
