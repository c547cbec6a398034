"""Fixtures shared by the test suite."""

import pytest

from autograder.grade import graded_cells
from tests.grading_helpers import ASSIGNMENT, NOTEBOOK


@pytest.fixture(scope="session")
def full_marks():
    """``{grade_id: points}`` of every graded cell of 01_mulaw."""
    return dict(graded_cells(ASSIGNMENT, NOTEBOOK))
