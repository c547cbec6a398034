"""The repository explains itself and stands alone.

* README.md and docs/ link only to files in the repository, and every one exists;
  the README fits on two screens.
* Student notebooks name no file that the student kit does not ship.
* Benchmarks are importable modules run with ``python -m`` (no ``sys.path``
  edits), and no test imports a benchmark.
* The rooms of the repository (the course, the pipeline, the answers) import
  each other in one direction only.
"""

import ast
import re

import pytest

from autograder.execute import read
from autograder.paths import NOTEBOOKS, REPO

BENCHMARKS = sorted((REPO / "tests" / "benchmarks").glob("bench_*.py"))
TESTS = sorted(p for p in (REPO / "tests").rglob("*.py") if "benchmarks" not in p.parts)
STUDENT_NOTEBOOKS = sorted(NOTEBOOKS.glob("*/*.ipynb"))

#: Paths that exist in the repository but not in the student kit.
INSTRUCTOR_ONLY = (
    "tests/",
    "scripts/",
    "autograder/",
    "solutions/",
    "course/reference",
    "docs/",
    "../",
    "python -m tests",
    "python -m scripts",
)


DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_document_links_stay_inside_the_repository(path):
    """Every relative link of README.md and docs/ points at a file or folder of this
    repository (a clone has no ../shared)."""
    text = path.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)", text)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert local or path.name == "contract.md", f"{path.name} should link to other documents"
    resolved = [(path.parent / t).resolve() for t in local]
    outside = [t for t, r in zip(local, resolved, strict=True) if REPO not in [r, *r.parents]]
    assert not outside, f"{path.name} points outside the repository: {outside}"
    missing = [t for t, r in zip(local, resolved, strict=True) if not r.exists()]
    assert not missing, f"{path.name} links to missing files: {missing}"


def test_readme_fits_on_two_screens():
    """The README is the way in: what it is, the two commands, clone to class; details in docs/."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 110, f"README.md has {len(lines)} lines: move details to docs/"


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: p.parent.name)
def test_student_notebook_names_only_what_the_kit_ships(path):
    """No text or code of a student notebook points at instructor-only files."""
    found = [
        (cell.get("id"), marker)
        for cell in read(path).cells
        for marker in INSTRUCTOR_ONLY
        if marker in cell.source
    ]
    assert not found, f"{path.relative_to(REPO)} names files the kit lacks: {found}"


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.stem)
def test_benchmark_is_a_module_run_with_python_m(path):
    """A benchmark imports the course like any module and says how to run it."""
    text = path.read_text(encoding="utf-8")
    assert "sys.path" not in text and "noqa: E402" not in text, f"{path.name} edits sys.path"
    assert f"python -m tests.benchmarks.{path.stem}" in text, f"{path.name}: no run command"
    assert 'if __name__ == "__main__":' in text


def test_no_test_imports_a_benchmark():
    """Tests share code with benchmarks through tests modules, never by importing a benchmark."""
    importing = [
        str(p.relative_to(REPO))
        for p in TESTS
        if re.search(r"^\s*(from|import) tests\.benchmarks", p.read_text(), flags=re.M)
    ]
    assert not importing, f"these tests import benchmarks: {importing}"


def _imported_packages(folder):
    """Top-level packages imported by the Python files under ``folder`` (lazy imports too)."""
    found = {}
    for path in sorted((REPO / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(REPO)))
    return found


@pytest.mark.parametrize(
    ("room", "never"),
    [
        ("course", {"autograder", "answers", "tests", "scripts"}),
        ("autograder", {"answers", "tests", "scripts"}),
        ("answers", {"tests", "scripts"}),
    ],
)
def test_the_rooms_have_no_arrow_back(room, never):
    """The course is used by everything and uses none of them; the pipeline uses the course;
    the answers use both; nobody imports the tests or the scripts."""
    imported = _imported_packages(room)
    arrows = {package: sorted(files) for package, files in imported.items() if package in never}
    assert not arrows, f"{room}/ imports {arrows}"
