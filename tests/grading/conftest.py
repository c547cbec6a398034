"""Fixtures shared by the grading tests."""

import pytest

from answers import collection
from tests.grading.batch import ASSIGNMENT


@pytest.fixture(scope="session")
def full_marks():
    """``{grade_id: points}`` of every graded cell of 01_mulaw."""
    return dict(collection(ASSIGNMENT).full_marks)
