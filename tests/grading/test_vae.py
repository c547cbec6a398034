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
    assignment_id = "02_vae"

    @pytest.mark.parametrize(
        "answer", ["wrong_kl_used_by_a_plain_elbo", "missing_kl_used_by_a_checked_elbo"]
    )
    def test_a_wrong_kl_costs_points_on_its_own_test_only(self, graded, answer):
        """test_kl_divergence scores 0, test_negative_elbo keeps its points."""
        student, _ = graded.packs[answer]
        scores = graded.cells[student]
        full = self.answers.full_marks
        assert scores["test_kl_divergence"] == 0
        assert scores["test_negative_elbo"] == full["test_negative_elbo"]
