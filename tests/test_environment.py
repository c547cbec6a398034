"""The pip requirements and environment.yml name the same packages and pins."""

import re
from pathlib import Path

from autograder.bundle import torch_requirement

REPO = Path(__file__).resolve().parent.parent


def _pip_requirements():
    lines = (REPO / "requirements.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith(("#", "-"))]


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


def test_every_requirement_is_pinned():
    """Each runtime requirement has an exact ``==`` pin, so every install is the same."""
    unpinned = [
        r
        for r in _pip_requirements()
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[\w,]+\])?==[\w.+]+", r)
    ]
    assert not unpinned, f"requirements.txt has unpinned entries: {unpinned}"


def test_environment_yml_matches_requirements():
    """environment.yml's pip section lists exactly requirements.txt's packages and pins."""
    pip, conda = sorted(_pip_requirements()), sorted(_conda_pip_section())
    assert pip == conda, (
        f"only in requirements.txt: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}"
    )


def test_torch_pin_is_written_once_and_repeated_right():
    """requirements.txt's first line pins torch; every other place takes or repeats that pin.

    The Makefile reads it from requirements.txt and installs it alone first (the
    CPU build on this disk; a range would pull a CUDA build); environment.yml's
    pip section lists it (checked above); the student kit's README and this
    repository's README say the same version.
    """
    pin = _pip_requirements()[0]
    assert re.fullmatch(r"torch==[\w.]+", pin), (
        f"requirements.txt must start with torch==, not {pin}"
    )
    makefile = (REPO / "Makefile").read_text()
    assert "TORCH := $(shell grep -m1 '^torch==' requirements.txt)" in makefile
    assert makefile.index("install --quiet $(TORCH)") < makefile.index("-r requirements")
    assert "torch==" not in makefile.replace("'^torch=='", "")
    assert torch_requirement() == pin
    readme = (REPO / "README.md").read_text()
    assert set(re.findall(r"torch==[\w.]+", readme)) == {pin}, "README.md names another torch pin"
    assert f"`{pin}`" in readme


def test_python_version_agrees():
    """environment.yml and pyproject.toml ask for the same Python (3.11)."""
    assert "python=3.11" in (REPO / "environment.yml").read_text()
    assert 'requires-python = ">=3.11,<3.12"' in (REPO / "pyproject.toml").read_text()
