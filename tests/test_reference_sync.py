"""The solution cells and ``course.reference`` hold the same code (one source of truth)."""

import ast
import importlib
import inspect

import pytest

from answers.submissions import solution_code
from autograder.paths import assignment_ids, notebook_names


def _without_docstring(function):
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def _functions(code):
    return {
        node.name: node
        for node in ast.parse(code).body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


CASES = [
    (assignment_id, notebook_id, grade_id, code)
    for assignment_id in assignment_ids()
    for notebook_id in notebook_names(assignment_id)
    for grade_id, code in solution_code(assignment_id, notebook_id).items()
]


@pytest.mark.parametrize(("assignment_id", "notebook_id", "grade_id", "code"), CASES)
def test_solution_cell_matches_reference(assignment_id, notebook_id, grade_id, code):
    """The solution cell defines ``grade_id`` with the reference's signature and body."""
    module = importlib.import_module(f"course.reference.{notebook_id}")
    defined = _functions(code)
    assert grade_id in defined, f"{assignment_id}: solution cell {grade_id!r} does not define it"
    reference = _functions(inspect.getsource(getattr(module, grade_id)))[grade_id]
    assert ast.dump(defined[grade_id].args) == ast.dump(reference.args), (
        f"{grade_id}: the solution cell's signature differs from course.reference.{notebook_id}"
    )
    assert _without_docstring(defined[grade_id]) == _without_docstring(reference), (
        f"{grade_id}: the solution cell and course.reference.{notebook_id} have drifted apart"
    )


def test_every_reference_function_is_an_exercise():
    """Each public function of a reference module is an exercise of its notebook."""
    for assignment_id in assignment_ids():
        for notebook_id in notebook_names(assignment_id):
            module = importlib.import_module(f"course.reference.{notebook_id}")
            exercises = set(solution_code(assignment_id, notebook_id))
            assert set(module.__all__) <= exercises, (
                f"{notebook_id}: {sorted(set(module.__all__) - exercises)} have no solution cell"
            )
