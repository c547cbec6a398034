"""The pip requirements and environment.yml name the same packages and pins."""

import re
from pathlib import Path

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


def test_torch_is_the_pinned_cpu_build_and_installed_first():
    """torch==2.13.0 (the CPU build on this disk) comes first, in the list and in the Makefile."""
    assert _pip_requirements()[0] == "torch==2.13.0"
    makefile = (REPO / "Makefile").read_text()
    assert makefile.index("install --quiet torch==2.13.0") < makefile.index("-r requirements")


def test_python_version_agrees():
    """environment.yml and pyproject.toml ask for the same Python (3.11)."""
    assert "python=3.11" in (REPO / "environment.yml").read_text()
    assert 'requires-python = ">=3.11,<3.12"' in (REPO / "pyproject.toml").read_text()
