"""The environment: pinned, split between students and graders, every import declared, one
torch pin and one CPU index, and make's install doing what the README says."""

import ast
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.bundle import TORCH_CPU_INDEX, torch_requirement

REPO = Path(__file__).resolve().parent.parent
#: What students install, what graders add, what the tests add (each file includes the last).
LAYERS = ("requirements.txt", "requirements-instructor.txt", "requirements-dev.txt")
#: Where each layer's code lives: its third-party imports must be declared in that layer.
CODE = {
    "requirements.txt": ["course"],
    "requirements-instructor.txt": ["course", "autograder", "answers", "scripts"],
    "requirements-dev.txt": ["course", "autograder", "answers", "scripts", "tests"],
}
GRADING_ONLY = {"psycopg", "dask", "distributed", "psutil"}
#: Imports that are optional by design, and why they are not requirements.
OPTIONAL = {
    # course.perceptual.imagenet_vgg19(), only where an instructor has torchvision and
    # VGG-19's weights; no torchvision release pairs with the torch pin on this course's
    # machines (PyPI's fails to import beside the CPU build), so the tests do without it
    "torchvision",
}
#: Modules that the declared packages bring and pin themselves (jupyter's, nbgrader's).
BROUGHT = {"jinja2", "traitlets", "jupyter_client", "alembic", "sqlalchemy", "zmq"}


def _requirements(name):
    """The pinned requirements a file lists itself (``-r`` includes not followed)."""
    lines = (REPO / name).read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith(("#", "-"))]


def _declared(name):
    """Distribution names ``name`` installs, its ``-r`` includes followed."""
    found = set()
    for line in (REPO / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("-r "):
            found |= _declared(line.removeprefix("-r ").strip())
        elif line and not line.startswith("#"):
            found.add(re.split(r"[\[=<>]", line)[0].lower().replace("_", "-"))
    return found


def _conda_pip_section():
    lines = (REPO / "environment.yml").read_text().splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "- pip:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    section = []
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        if line.strip().startswith("- "):
            section.append(line.strip()[2:].strip())
    return section


@pytest.mark.parametrize("name", LAYERS)
def test_every_requirement_is_pinned(name):
    """Each requirement has an exact ``==`` pin, so every install is the same."""
    unpinned = [
        r
        for r in _requirements(name)
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[\w,]+\])?==[\w.+]+", r)
    ]
    assert not unpinned, f"{name} has unpinned entries: {unpinned}"


def test_environment_yml_matches_requirements():
    """environment.yml's pip section lists exactly requirements.txt's packages and pins, and takes
    torch from the same CPU index as the Makefile."""
    section = _conda_pip_section()
    options = [entry for entry in section if entry.startswith("-")]
    pip, conda = sorted(_requirements("requirements.txt")), sorted(set(section) - set(options))
    assert pip == conda, (
        f"only in requirements.txt: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}"
    )
    assert options == [f"--extra-index-url {TORCH_CPU_INDEX}"], options


def test_the_student_kit_installs_no_grading_packages():
    """psycopg, Dask and psutil are the graders': the student kit's requirements leave them out."""
    assert not GRADING_ONLY & _declared("requirements.txt")
    assert _declared("requirements-instructor.txt") >= GRADING_ONLY


def _third_party_imports(folders):
    """Top-level modules imported by the Python files and notebooks under ``folders``."""
    names = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    local = {"course", "autograder", "answers", "scripts", "tests"}
    return {n for n in names - local if n not in sys.stdlib_module_names}


@pytest.mark.parametrize("layer", LAYERS)
def test_every_import_is_declared_in_its_layer(layer):
    """Each third-party module the layer's code imports comes from a package the layer installs."""
    owners = importlib.metadata.packages_distributions()
    declared = _declared(layer)
    missing = {}
    for module in sorted(_third_party_imports(CODE[layer]) - OPTIONAL - BROUGHT):
        packages = {p.lower().replace("_", "-") for p in owners.get(module, [module])}
        if not packages & declared:
            missing[module] = sorted(packages)
    assert not missing, f"{layer} does not declare what this code imports: {missing}"


def _dry_run(*targets, **variables):
    """The commands ``make`` would run (``make -n``), variables set on its command line."""
    settings = [f"{k}={v}" for k, v in variables.items()]
    done = subprocess.run(
        ["make", "-n", "-B", *settings, *targets], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_installs_the_torch_pin_first_from_the_cpu_index():
    """``make`` installs requirements.txt's torch pin alone, first, asking TORCH_INDEX (PyTorch's
    CPU index by default; empty skips it), and everything else after it."""
    pin = torch_requirement()
    commands = _dry_run(".venv/.installed")
    assert pin in commands and TORCH_CPU_INDEX in commands
    assert commands.index(pin) < commands.index("-r requirements-dev.txt")
    assert TORCH_CPU_INDEX not in _dry_run(".venv/.installed", TORCH_INDEX="")
    assert "https://example.org/whl" in _dry_run(
        ".venv/.installed", TORCH_INDEX="https://example.org/whl"
    )


def test_the_quick_loop_leaves_out_the_slow_tests():
    """``make test-fast`` lints and runs the tests not marked slow; ``make test`` runs them all."""
    fast, full = _dry_run("test-fast"), _dry_run("test")
    assert "ruff check" in fast and '-m "not slow"' in fast
    assert "ruff check" in full and "not slow" not in full and "pytest" in full


def test_torch_pin_and_index_are_written_once_and_repeated_right():
    """requirements.txt's first line pins torch; the READMEs and the Dockerfile say the same."""
    pin = _requirements("requirements.txt")[0]
    assert re.fullmatch(r"torch==[\w.]+", pin), "requirements.txt must start with torch=="
    assert torch_requirement() == pin
    readme = (REPO / "README.md").read_text()
    assert set(re.findall(r"torch==[\w.]+", readme)) == {pin}, "README.md names another torch pin"
    assert f"`{pin}`" in readme
    dockerfile = (REPO / "Dockerfile").read_text()
    assert TORCH_CPU_INDEX in dockerfile and "requirements-instructor.txt" in dockerfile


def test_python_version_agrees():
    """environment.yml and pyproject.toml ask for the same Python (3.11)."""
    assert "python=3.11" in (REPO / "environment.yml").read_text()
    assert 'requires-python = ">=3.11,<3.12"' in (REPO / "pyproject.toml").read_text()


def test_docker_build_leaves_the_local_environment_out():
    """``COPY . .`` would copy .venv and build/: .dockerignore keeps them out."""
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv/", "build/", ".git/"} <= set(ignored)
