"""Each plausible mistake in one mu-law function loses points on that function's test only."""

import pytest

from autograder.samples import solution
from tests.grading_helpers import ASSIGNMENT, NOTEBOOK, grade_batch, points_lost_elsewhere
from tests.mulaw_answers import MISTAKES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    submissions = {
        name: solution(ASSIGNMENT, NOTEBOOK, {grade_id: code})
        for name, (grade_id, code) in MISTAKES.items()
    }
    cells, _, _ = grade_batch(tmp_path_factory.mktemp("mistakes"), submissions)
    return cells


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mistake_loses_points_on_its_own_test_only(graded, full_marks, name):
    """The mistaken function's test_<name> scores 0; every other test keeps full marks."""
    grade_id, _ = MISTAKES[name]
    own_test = f"test_{grade_id}"
    scores = graded[name]
    assert scores[own_test] == 0, f"mistake {name!r} kept {scores[own_test]} points on {own_test}"
    others = points_lost_elsewhere(scores, own_test, full_marks)
    assert not others, f"mistake {name!r} in {grade_id} also lost points on {others}"
