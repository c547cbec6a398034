"""The repository explains itself and stands alone.

* README.md links only to files in the repository, and every one exists.
* Student notebooks name no file that the student kit does not ship.
* Benchmarks are importable modules run with ``python -m`` (no ``sys.path``
  edits), and no test imports a benchmark.
"""

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


def test_readme_links_stay_inside_the_repository():
    """Every relative link of README.md points at a file or folder of this repository."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "../" not in text, "README.md points outside the repository"
    targets = re.findall(r"\]\(([^)#\s]+)", text)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert local, "README.md should link to the course contract and other documents"
    missing = [t for t in local if not (REPO / t).exists()]
    assert not missing, f"README.md links to missing files: {missing}"


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
