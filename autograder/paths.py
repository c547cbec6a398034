"""Where the course's files live, and which assignments exist."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COURSE_PACKAGE = REPO / "course"
SOLUTIONS = REPO / "solutions"
NOTEBOOKS = REPO / "notebooks"
BUILD = REPO / "build"


def assignment_ids():
    """Ids of the assignments that have a source folder in ``solutions/``, sorted."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def notebook_names(assignment_id):
    """Names (without ``.ipynb``) of the source notebooks of one assignment, sorted."""
    folder = SOLUTIONS / assignment_id
    if not folder.is_dir():
        known = ", ".join(assignment_ids())
        raise ValueError(f"unknown assignment {assignment_id!r}; known: {known}")
    return sorted(p.stem for p in folder.glob("*.ipynb"))
