"""Fast checks of the grading front end: notebook rebuilding and code scanning."""

import subprocess
import sys

import pytest

from answers.submissions import solution, untouched
from autograder.paths import REPO
from autograder.rebuild import protected_in, rebuild
from autograder.scan import scan
from tests.grading.batch import ASSIGNMENT, NOTEBOOK

#: What 01_mulaw's release protects (its set-up binds torch, sys, math, the expect_* helpers).
MULAW = protected_in(untouched(ASSIGNMENT, NOTEBOOK))


def test_rebuild_keeps_only_student_code():
    """Tests, set-up and metadata come from the release; solutions and extras from the student."""
    released = untouched(ASSIGNMENT, NOTEBOOK)
    submitted = solution(ASSIGNMENT, NOTEBOOK)
    for cell in submitted.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cell.source = "pass  # the student emptied the test"
        if meta.get("grade_id") == "setup":
            cell.source = "import os"
    graded, flags, notes = rebuild(released, submitted)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in graded.cells}
    original = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in released.cells}
    assert by_id["test_quantize"].source == original["test_quantize"].source
    assert by_id["setup"].source == original["setup"].source
    assert "floor" in by_id["quantize"].source
    assert not flags and not notes
    assert all(
        c.metadata.get("nbgrader") or c.cell_type == "markdown" or c.id == "grader-hooks"
        for c in graded.cells
    )


def test_rebuild_stubs_a_flagged_solution():
    """A solution that imports the answer key is replaced by the stub and flagged."""
    cheat = "from course.reference.mulaw import quantize\n"
    submitted = solution(ASSIGNMENT, NOTEBOOK, {"quantize": cheat})
    graded, flags, _ = rebuild(untouched(ASSIGNMENT, NOTEBOOK), submitted)
    cell = next(
        c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "quantize"
    )
    assert "raise NotImplementedError()" in cell.source
    assert "imports course.reference" in cell.source, "the stub should say why (for feedback)"
    assert [f.cell for f in flags] == ["quantize"]


@pytest.mark.parametrize(
    "code",
    [
        "import importlib\nm = importlib.import_module('course.' + 'reference')",
        "x = __import__('os')",
        "def f():\n    return globals()['expect_close']",
        "import inspect",
        "get_ipython().showtraceback = None",
        "def f(x):\n    return sys._getframe(1).f_locals",
        "torch.testing.assert_close = print",
        "from course import testing\ntesting.expect_close = print",
        "expect_equal = print",
        "exec('1')",
        "f = open('gradebook.db')",
        "y = getattr(torch, 'all' + 'close')",
    ],
)
def test_scan_flags_tricks(code):
    """Each way of reaching past the exercise is flagged."""
    assert scan(code, MULAW), code


@pytest.mark.parametrize(
    "code",
    [
        "def f(x):\n    len = x.shape[0]\n    return len",
        "import warnings\nwarnings.warn('hi')",
        "print('x', file=sys.stderr)",
        "def f(x):\n    return getattr(x, 'shape')",
        "import numpy as np\nimport functools",
        "import torch\nimport math",  # the set-up's own imports, repeated
        "from course.testing import expect_close",
        "def f(x):\n    expect_close = x\n    return [isinstance for isinstance in x]",
        "class Model:\n    expect_close = 1\n    def __init__(self):\n        super().__init__()",
        "cache = {}\ncache['a'] = torch.zeros(2)",
        "def f(x, torch=None):\n    torch.x = 1\n    return x",
    ],
)
def test_scan_lets_honest_code_run(code):
    """Ordinary code, including local names and stderr output, is not flagged."""
    assert scan(code, MULAW) == [], code


def test_cli_reports_bad_arguments():
    """Bad arguments exit with status 2 and say which argument and what was expected."""
    missing = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", "/no/such/folder", "--out", "/tmp/x"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "SUBMISSIONS" in missing.stderr
    workers = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", ".", "--out", "/tmp/x", "--workers", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert workers.returncode == 2 and "--workers" in workers.stderr
