"""Every topic has all its parts: leaving one out fails here, naming the part.

A topic (an assignment ``NN_<topic>``, whose notebook is ``<topic>.ipynb``) is:

| part | where |
| --- | --- |
| source notebook | ``solutions/NN_<topic>/<topic>.ipynb`` |
| student notebook | ``notebooks/NN_<topic>/<topic>.ipynb`` (``make release``) |
| answer key | ``course/reference/<topic>.py`` |
| oracle tests | ``tests/reference/test_<topic>.py`` |
| answer collection | ``answers/topics/<topic>.py`` |
| grading tests | ``tests/grading/test_<topic>.py``, a ``GradingSuite`` subclass |
| contract section | ``### NN_<topic>`` in ``docs/contract.md`` |
| README row | ``| `NN_<topic>` | ... | ready |`` in README.md |

docs/adding-a-topic.md walks through the same list.
"""

import ast
import re

import pytest

from autograder.paths import NOTEBOOKS, REPO, SOLUTIONS, assignment_ids, notebook_names

README = REPO / "README.md"


def _ready_in_readme():
    rows = re.findall(r"^\| `(\d\d_\w+)` \|.*\| ready \|$", README.read_text(), flags=re.M)
    return set(rows)


def _topic(assignment_id):
    names = notebook_names(assignment_id)
    assert len(names) == 1, f"{assignment_id}: one notebook per assignment, found {names}"
    return names[0]


def _grading_suite_for(path, assignment_id):
    """True if ``path`` defines a GradingSuite subclass with this ``assignment_id``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            getattr(base, "id", None) == "GradingSuite" for base in node.bases
        ):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and getattr(statement.targets[0], "id", None) == "assignment_id"
                    and getattr(statement.value, "value", None) == assignment_id
                ):
                    return True
    return False


@pytest.mark.parametrize("assignment_id", sorted(set(assignment_ids()) | _ready_in_readme()))
def test_topic_has_every_part(assignment_id):
    """Each part of the table above exists for every assignment in solutions/ or README."""
    assert (SOLUTIONS / assignment_id).is_dir(), (
        f"README.md lists {assignment_id} as ready, but solutions/{assignment_id}/ is missing"
    )
    topic = _topic(assignment_id)
    parts = {
        "student notebook (make release)": NOTEBOOKS / assignment_id / f"{topic}.ipynb",
        "answer key": REPO / "course" / "reference" / f"{topic}.py",
        "oracle tests": REPO / "tests" / "reference" / f"test_{topic}.py",
        "answer collection": REPO / "answers" / "topics" / f"{topic}.py",
        "grading tests": REPO / "tests" / "grading" / f"test_{topic}.py",
    }
    missing = [f"{what}: {path.relative_to(REPO)}" for what, path in parts.items()]
    missing = [m for m, path in zip(missing, parts.values(), strict=True) if not path.is_file()]
    assert not missing, f"{assignment_id} lacks {missing}"
    grading = parts["grading tests"]
    assert _grading_suite_for(grading, assignment_id), (
        f"{grading.relative_to(REPO)} has no GradingSuite subclass with "
        f"assignment_id = {assignment_id!r}"
    )
    contract = (REPO / "docs" / "contract.md").read_text(encoding="utf-8")
    assert f"\n### {assignment_id}\n" in contract, f"docs/contract.md has no ### {assignment_id}"
    assert assignment_id in _ready_in_readme(), (
        f"README.md's table has no row `| `{assignment_id}` | ... | ready |`"
    )
