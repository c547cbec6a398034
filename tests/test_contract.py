"""The course contract (``docs/contract.md``) against the answer keys and the notebooks.

The contract fixes the assignment ids, the exercise names and signatures and
the cell ids that graders and other tools rely on. For every assignment that
exists (a folder in ``solutions/``), its exercises are exactly the contract's:
the answer key's ``__all__``, with the contract's signatures, and the
notebook's solution cells, each with its ``test_<name>`` cell.
"""

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from answers import exercise_of
from answers.submissions import solution_code
from autograder.execute import read
from autograder.paths import REPO, SOLUTIONS, assignment_ids, notebook_names

CONTRACT = REPO / "docs" / "contract.md"
#: Where the repository's copy comes from, when the course's shared folder is beside it.
SHARED = REPO.parent / "shared" / "curriculum.md"

SPAN = re.compile(r"`([^`]+)`")
NAME = re.compile(r"^([a-z_][a-z0-9_]*)(?:\((.*)\))?$")


def contract_assignments():
    """``{assignment_id: {exercise: parameters or None}}`` read from the contract's sections.

    An exercise is a code span in the lead of a bullet that starts with one
    (the text before the first "`:"), written ``name(params)`` or, without a
    signature, a bare ``snake_case`` name; ``params`` may end in ``...``
    (more may follow). A bullet whose text says "not an exercise" (``gnn_rerank``
    of 07_outfit, a helper the contract names) is not one.
    """
    text = CONTRACT.read_text(encoding="utf-8")
    ids = re.findall(r"^\| `(\d\d_\w+)` \|", text, flags=re.MULTILINE)
    sections = {}
    for assignment_id in ids:
        match = re.search(rf"^### {assignment_id}\n(.*?)(?=^##)", text + "\n##", re.S | re.M)
        assert match, f"docs/contract.md has no section ### {assignment_id}"
        exercises = {}
        for bullet in re.findall(r"^- (`.*)$", match.group(1), flags=re.MULTILINE):
            if "`: not an exercise" in bullet:
                continue
            lead = bullet.split("`:")[0] + "`" if "`:" in bullet else bullet
            for span in SPAN.findall(lead):
                found = NAME.match(span.strip())
                if found and (found.group(2) is not None or "_" in found.group(1)):
                    exercises[found.group(1)] = found.group(2)
        sections[assignment_id] = exercises
    return sections


def _parameters(params):
    """The ``ast.arguments`` dump of a parameter list (``...`` at the end dropped), and if open."""
    open_ended = params.rstrip().endswith("...")
    params = params.rstrip().removesuffix("...").rstrip().rstrip(",")
    tree = ast.parse(f"def f({params}): pass").body[0].args
    return tree, open_ended


def test_the_copy_is_the_shared_contract():
    """docs/contract.md is the course's contract, word for word, wherever the shared one is near."""
    if not SHARED.is_file():
        pytest.skip("no shared folder beside this clone: nothing to compare with")
    assert CONTRACT.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8"), (
        "docs/contract.md differs from ../shared/curriculum.md: copy the shared contract over"
    )


def test_every_assignment_folder_is_in_the_contract():
    """solutions/ holds only assignments the contract names."""
    unknown = set(assignment_ids()) - set(contract_assignments())
    assert not unknown, f"solutions/ has assignments the contract does not name: {sorted(unknown)}"


@pytest.mark.parametrize("assignment_id", assignment_ids())
def test_exercises_are_the_contracts(assignment_id):
    """The answer key's __all__ and the notebook's solution cells are the contract's exercises."""
    exercises = contract_assignments()[assignment_id]
    (notebook_id,) = notebook_names(assignment_id)
    module = importlib.import_module(f"course.reference.{notebook_id}")
    assert set(module.__all__) == set(exercises), (
        f"course/reference/{notebook_id}.py's __all__ is {sorted(module.__all__)}, "
        f"the contract's {assignment_id} exercises are {sorted(exercises)}"
    )
    cells = set(solution_code(assignment_id, notebook_id))
    assert cells == set(exercises), (
        f"solutions/{assignment_id}: solution cells {sorted(cells)}, contract {sorted(exercises)}"
    )


@pytest.mark.parametrize("assignment_id", assignment_ids())
def test_signatures_are_the_contracts(assignment_id):
    """Each exercise with a signature in the contract has exactly those parameters and defaults."""
    (notebook_id,) = notebook_names(assignment_id)
    module = importlib.import_module(f"course.reference.{notebook_id}")
    for name, params in contract_assignments()[assignment_id].items():
        if params is None:
            continue
        wanted, open_ended = _parameters(params)
        source = inspect.getsource(getattr(module, name))
        actual = ast.parse(source).body[0].args
        if open_ended:
            got = [a.arg for a in actual.args][: len(wanted.args)]
            assert got == [a.arg for a in wanted.args], f"{name}: parameters start {got}"
        else:
            assert ast.dump(actual) == ast.dump(wanted), (
                f"{name}{inspect.signature(getattr(module, name))} is not the contract's "
                f"{name}({params})"
            )


@pytest.mark.parametrize("assignment_id", assignment_ids())
def test_cell_ids_follow_the_contract(assignment_id):
    """Every exercise has ``test_<name>``; every graded cell is ``test_<name>[_<suffix>]``."""
    exercises = set(contract_assignments()[assignment_id])
    (notebook_id,) = notebook_names(assignment_id)
    notebook = read(Path(SOLUTIONS / assignment_id / f"{notebook_id}.ipynb"))
    tests = [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    ]
    missing = {f"test_{e}" for e in exercises} - set(tests)
    assert not missing, f"{assignment_id}: no test cell {sorted(missing)}"
    stray = [t for t in tests if exercise_of(t, exercises) is None]
    assert not stray, f"{assignment_id}: graded cells not named test_<exercise>[_<suffix>]: {stray}"


HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$(.*?)^\s*### END HIDDEN TESTS\s*$", re.S | re.M)
EXPECT = re.compile(r"\b(expect_\w+)\(")


@pytest.mark.parametrize("assignment_id", assignment_ids())
def test_test_cells_follow_the_grading_rule(assignment_id):
    """The grading rule's mechanical part, for every test cell of the notebook:

    argument checks (``expect_raises``) are never hidden: they live in visible
    ``test_<name>_errors`` cells of at most 1 point, which hold no hidden part;
    and every kind of check a hidden part makes (each ``expect_*`` helper it
    calls) is also made by the visible part of the same cell, with its hint.
    """
    (notebook_id,) = notebook_names(assignment_id)
    notebook = read(Path(SOLUTIONS / assignment_id / f"{notebook_id}.ipynb"))
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade") or meta.get("solution"):
            continue
        test = meta["grade_id"]
        hidden = "".join(HIDDEN.findall(cell.source))
        visible = HIDDEN.sub("", cell.source)
        if test.endswith("_errors"):
            assert not hidden, f"{assignment_id}: {test} checks arguments in hidden tests"
            assert meta.get("points", 0) <= 1, f"{assignment_id}: {test} is worth more than 1"
            continue
        assert "expect_raises" not in cell.source, (
            f"{assignment_id}: {test} grades argument checks; move them to {test}_errors"
        )
        only_hidden = set(EXPECT.findall(hidden)) - set(EXPECT.findall(visible))
        assert not only_hidden, f"{assignment_id}: {test} makes only in hidden tests: {only_hidden}"
