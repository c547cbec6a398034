"""The student kit: no answer key, and a correct solution passes inside it."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from answers.helper_leaks import exercise_probes, find_reimplementations, main
from answers.submissions import solution
from autograder.bundle import bundle, find_leaks
from autograder.execute import errors, read, run_notebook
from autograder.paths import assignment_ids, notebook_names

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    return bundle(tmp_path_factory.mktemp("kit") / "student-kit")


def test_kit_holds_no_answer_key(kit):
    """No course/reference, no solution and no hidden test anywhere in the kit."""
    assert not (kit / "course" / "reference").exists()
    assert find_leaks(kit) == []
    for assignment_id in assignment_ids():
        for name in notebook_names(assignment_id):
            assert (kit / "notebooks" / assignment_id / f"{name}.ipynb").is_file()
    assert (kit / "environment.yml").is_file() and (kit / "requirements.txt").is_file()


def test_leak_check_catches_a_leak(tmp_path):
    """The leak check is not vacuous: it finds a planted hidden test and reference folder."""
    (tmp_path / "course" / "reference").mkdir(parents=True)
    (tmp_path / "nb.ipynb").write_text("### BEGIN HIDDEN TESTS\nfrom course.reference import x")
    found = {what for _, what in find_leaks(tmp_path)}
    assert {"a reference folder", "BEGIN HIDDEN TESTS", "course.reference"} <= found


def test_bundle_refuses_a_non_empty_folder(tmp_path):
    """bundle never writes over existing files."""
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="new or empty"):
        bundle(tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"


def _not_written_yet(error):
    """A stub's NotImplementedError, or the sentence of ``course.notebook.needs``."""
    _, name, message = error
    return name == "NotImplementedError" or (
        name == "ExerciseNeeded" and "not written yet" in message
    )


@pytest.mark.parametrize("assignment_id", assignment_ids())
def test_untouched_notebook_runs_in_the_kit(kit, assignment_id):
    """As released, in the kit, the notebook runs; its only errors say an exercise is not
    written yet (a missing module or file, a NameError, anything else fails the test)."""
    for name in notebook_names(assignment_id):
        folder = kit / "notebooks" / assignment_id
        notebook = run_notebook(read(folder / f"{name}.ipynb"), cwd=folder, allow_errors=True)
        found = errors(notebook)
        assert found, "no exercise is written: some cell must say so"
        other = [e for e in found if not _not_written_yet(e)]
        assert not other, other


@pytest.mark.parametrize("assignment_id", assignment_ids())
def test_correct_solution_passes_visible_tests_and_validate_in_the_kit(kit, assignment_id):
    """Filled in correctly, the kit's notebook passes nbgrader validate (every visible test, small
    budgets) without the answer key, which its set-up cell cannot reach from the kit."""
    for name in notebook_names(assignment_id):
        folder = kit / "notebooks" / assignment_id
        filled = solution(assignment_id, name, released_dir=kit / "notebooks")
        setup = next(
            c for c in filled.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup"
        )
        probe = nbformat.v4.new_code_cell(
            "import importlib.util\n"
            "assert importlib.util.find_spec('course.reference') is None, 'answer key reachable'"
        )
        run = run_notebook(nbformat.v4.new_notebook(cells=[setup, probe]), folder)
        assert not errors(run), errors(run)
        target = folder / f"{name}.ipynb"
        nbformat.write(filled, target)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        validate = subprocess.run(
            [str(Path(sys.executable).parent / "nbgrader"), "validate", target.name],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert validate.returncode == 0 and "Success!" in validate.stdout, (
            f"nbgrader validate failed:\n{validate.stdout}\n{validate.stderr}"
        )


#: ``top_unrated`` as 06_collaborative's helpers shipped it once: ``recommend`` for all users.
OLD_TOP_UNRATED = """
import torch


def top_unrated(scores, R, k):
    scores = scores.expand(R.shape).to(torch.float64)
    masked = torch.where(torch.isnan(R), scores, float("-inf"))
    return torch.sort(masked, dim=1, descending=True, stable=True).indices[:, :k]
"""


def _recommend_probe():
    """recommend's arguments and the answer key's output on a small seeded ratings matrix."""
    from course.reference.collaborative import recommend

    generator = torch.Generator().manual_seed(0)
    R = torch.rand(6, 9, generator=generator).mul(5).ceil()
    R[torch.rand(6, 9, generator=generator) < 0.5] = float("nan")
    arguments = {"scores": torch.rand(9, generator=generator), "R": R, "u": 2, "k": 3}
    return {"06_collaborative.recommend": (arguments, recommend(**arguments))}


def test_reimplementation_check_catches_a_batched_exercise(tmp_path):
    """A kit helper that is recommend() for every user at once fails the bundle's check."""
    package = tmp_path / "course" / "collaborative"
    package.mkdir(parents=True)
    (tmp_path / "course" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "recsys.py").write_text(OLD_TOP_UNRATED)
    found = find_reimplementations(tmp_path, _recommend_probe())
    assert found == [("course.collaborative.recsys.top_unrated", "06_collaborative.recommend")]


def test_kit_helpers_compute_no_exercise(kit):
    """The real kit passes the same check, on every collection's probes, all of them read."""
    unread = {}
    assert find_reimplementations(kit, _recommend_probe() | exercise_probes(), unread) == []
    assert unread == {}, f"the kit could not read these probes: {unread}"


def test_make_bundles_helper_check_removes_a_kit_that_leaks(tmp_path, capsys):
    """``python -m answers.helper_leaks KIT`` (make bundle's second step) removes a leaking kit
    and says which helper computes which exercise."""
    package = tmp_path / "kit" / "course" / "collaborative"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "recsys.py").write_text(OLD_TOP_UNRATED.replace("top_unrated", "recommend_all"))
    assert main([str(tmp_path / "kit")]) == 1
    assert not (tmp_path / "kit").exists()
    said = capsys.readouterr()
    assert "recommend_all computes 06_collaborative.recommend" in said.err
    # a kit without course.realnvp cannot read 03's probes: named, not a crash
    assert "03_realnvp." in said.out and "not probed" in said.out
