"""Feedback pages show each failing test's message, never the hidden tests' code."""

import nbformat

from autograder.feedback import HIDDEN_NOTE, HOOKS_CELL_ID, HideHiddenTests

TEST_CELL = """\
\"\"\"f: visible part.\"\"\"
expect_close(f(1), 2, "f(1)")
### BEGIN HIDDEN TESTS
from course.reference import topic as _ref
for _x in range(5):
    expect_close(f(_x), _ref.f(_x), f"f({_x})")
### END HIDDEN TESTS
print("done")"""

TRACEBACK = [
    "\x1b[31m-----------\x1b[39m",
    "\x1b[31mAssertionError\x1b[39m     Traceback (most recent call last)",
    "\x1b[36mCell\x1b[39m \x1b[32mIn[7]\x1b[39m, line 5\n"
    "      4 for _x in range(5):\n----> 5     expect_close(f(_x), _ref.f(_x))",
    "Cell In[3], line 2, in f(x)\n      1 def f(x):\n----> 2     return g(x)",
    "File ~/workspace/course/testing.py:51, in expect_close(got, expected, call)\n raise",
    "\x1b[31mAssertionError\x1b[39m: f(3) should be 6, got 5.",
]


def _notebook():
    hooks = nbformat.v4.new_code_cell("install(get_ipython())")
    hooks.id = HOOKS_CELL_ID
    test = nbformat.v4.new_code_cell(TEST_CELL, execution_count=7)
    test.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "grade_id": "test_f",
        "points": 1,
    }
    test.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="f: visible tests passed.\n"),
        nbformat.v4.new_output(
            "error", ename="AssertionError", evalue="f(3) should be 6, got 5.", traceback=TRACEBACK
        ),
    ]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch"), hooks, test])


def test_hidden_region_and_its_traceback_lines_are_left_out():
    """The hidden code, the test cell's own frames and the helper's frame go; the message stays."""
    notebook, _ = HideHiddenTests().preprocess(_notebook(), {})
    assert [c.get("id") for c in notebook.cells].count(HOOKS_CELL_ID) == 0
    test = notebook.cells[-1]
    assert "_ref" not in test.source and "HIDDEN TESTS" not in test.source
    assert HIDDEN_NOTE in test.source
    assert test.source.startswith('"""f: visible part."""') and test.source.endswith(
        'print("done")'
    )
    (error,) = [o for o in test.outputs if o.output_type == "error"]
    assert error.evalue == "f(3) should be 6, got 5."
    kept = "\n".join(error.traceback)
    assert "_ref.f" not in kept and "testing.py" not in kept
    assert "return g(x)" in kept, "the student's own frame must stay"
    assert error.traceback[-1].endswith("f(3) should be 6, got 5.")


def test_solution_and_other_cells_are_untouched():
    """Only graded test cells lose their hidden part; a solution cell keeps its code."""
    notebook = _notebook()
    solution = notebook.cells[0]
    solution.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "f"}
    solution.source = "### BEGIN HIDDEN TESTS\nkept as it is\n### END HIDDEN TESTS"
    notebook, _ = HideHiddenTests().preprocess(notebook, {})
    assert notebook.cells[0].source == solution.source
