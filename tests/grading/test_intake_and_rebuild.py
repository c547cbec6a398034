"""Fast checks of the grading front end: zip intake, notebook rebuilding, code scanning."""

import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograder.grade import find_submissions
from autograder.intake import unpack
from autograder.paths import REPO
from autograder.rebuild import rebuild
from autograder.samples import solution, untouched
from autograder.scan import scan
from tests.grading.batch import ASSIGNMENT, NOTEBOOK


def _zip(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_zip_in_submitted_layout_inside_a_top_folder(tmp_path):
    """<top>/<student>/<assignment>/<nb>.ipynb unpacks to the submitted layout."""
    data = nbformat.writes(untouched(ASSIGNMENT, NOTEBOOK))
    archive = _zip(
        tmp_path / "class.zip",
        {
            f"export/alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb": data,
            f"export/bob/{ASSIGNMENT}/x.ipynb": data,
        },
    )
    folder = unpack(archive, tmp_path / "out")
    found = find_submissions(folder)
    assert [(s, a) for s, a, _ in found] == [("alice", ASSIGNMENT), ("bob", ASSIGNMENT)]


def test_flat_lms_zip_keeps_the_latest_attempt(tmp_path):
    """An LMS download (nbgrader zip_collect's naming) needs --assignment; latest attempt wins."""
    old, new = b'{"old": 1}', b'{"new": 1}'
    archive = _zip(
        tmp_path / "lms.zip",
        {
            f"hw_alice_attempt_2026-01-01-10-00-00_{NOTEBOOK}.ipynb": old,
            f"hw_alice_attempt_2026-01-02-10-00-00_{NOTEBOOK}.ipynb": new,
            f"hw_bob_attempt_2026-01-01-09-00-00_{NOTEBOOK}.ipynb": old,
            "../../evil.ipynb": b"escape",
        },
    )
    with pytest.raises(ValueError, match="--assignment"):
        unpack(archive, tmp_path / "a")
    folder = unpack(archive, tmp_path / "b", ASSIGNMENT)
    assert (folder / "alice" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes() == new
    assert (folder / "bob" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes() == old
    assert not (tmp_path / "evil.ipynb").exists()


def test_not_a_zip_is_a_clear_error(tmp_path):
    """A file that is not a zip names itself in the error."""
    bogus = tmp_path / "class.zip"
    bogus.write_text("not a zip")
    with pytest.raises(ValueError, match="not a readable zip"):
        unpack(bogus, tmp_path / "out")


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
    assert scan(code, {"torch", "sys", "math"}), code


@pytest.mark.parametrize(
    "code",
    [
        "def f(x):\n    len = x.shape[0]\n    return len",
        "import warnings\nwarnings.warn('hi')",
        "print('x', file=sys.stderr)",
        "def f(x):\n    return getattr(x, 'shape')",
        "import numpy as np\nimport functools",
    ],
)
def test_scan_lets_honest_code_run(code):
    """Ordinary code, including local names and stderr output, is not flagged."""
    assert scan(code, {"torch", "sys", "math"}) == [], code


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
