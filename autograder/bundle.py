"""``bundle``: the folder students receive, with no answer key and no hidden test.

No file of the kit may hold instructor-only text (:func:`find_leaks`); the
bundle is removed and refused if one does. ``make bundle`` then checks the
kit's behaviour too: no helper of its ``course`` package may compute an
exercise's answer (``python -m answers.helper_leaks``, on the answer
collections' probes, which belong to the answers, not to this pipeline).
"""

import shutil
from pathlib import Path

from autograder.paths import COURSE_PACKAGE, NOTEBOOKS, REPO

#: Strings that only the instructor's side may contain.
FORBIDDEN = (
    "course.reference",
    "from course import reference",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN SOLUTION",
    "END SOLUTION",
)

#: PyTorch's CPU-only wheel index: PyPI's Linux torch wheel is the CUDA build, gigabytes larger.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

STUDENT_README = """\
# Deep-learning course: student kit

## Set up once

    python3 -m venv .venv
    .venv/bin/pip install --extra-index-url {index} {torch}
    .venv/bin/pip install -r requirements.txt
    .venv/bin/jupyter lab

(or, with conda: `conda env create -f environment.yml`, then `jupyter lab`).

## Work on an assignment

Open `notebooks/<assignment>/<notebook>.ipynb`, run the first cell, fill in
every cell that says `# YOUR CODE HERE`, and run the test cell under it.
Before you submit, restart the kernel and run all cells (or press Validate in
the Assignments panel). Submit the notebook file as your instructor asks.

`course/` holds helpers the notebooks import (argument checks, test helpers,
signal generators): keep it next to `notebooks/`.
"""


def torch_requirement():
    """The torch pin, ``torch==X.Y.Z``: the first line of ``requirements.txt`` that names torch."""
    lines = (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return next(line.strip() for line in lines if line.startswith("torch=="))


def bundle(out):
    """Write the student kit into the new folder ``out`` and return its path."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"OUT must be a new or empty folder, and {str(out)!r} is not")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(NOTEBOOKS, out / "notebooks", ignore=ignore, dirs_exist_ok=True)
    shutil.copytree(
        COURSE_PACKAGE,
        out / "course",
        ignore=shutil.ignore_patterns("reference", "__pycache__", "*.pyc"),
    )
    for name in ("environment.yml", "requirements.txt"):
        shutil.copyfile(REPO / name, out / name)
    readme = STUDENT_README.format(torch=torch_requirement(), index=TORCH_CPU_INDEX)
    (out / "README.md").write_text(readme, encoding="utf-8")
    leaks = find_leaks(out)
    if leaks:
        shutil.rmtree(out)
        raise RuntimeError(f"the bundle would leak the answer key: {leaks}")
    return out


def find_leaks(folder):
    """``[(path, what)]`` for every file under ``folder`` that holds instructor-only material."""
    leaks = []
    for path in sorted(Path(folder).rglob("*")):
        if path.is_dir():
            if path.name == "reference":
                leaks.append((str(path), "a reference folder"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        leaks += [(str(path), marker) for marker in FORBIDDEN if marker in text]
    return leaks
