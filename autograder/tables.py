"""The CSV tables of a class: ``grades.csv``, ``scores.csv`` and ``flags.csv`` in OUT.

``grades.csv`` and ``scores.csv`` are exported from the class gradebook, so
they hold every assignment graded into OUT and any manual score entered in
the Formgrader. ``flags.csv`` lists what the instructor should look at:
student code the grader refused to run, and files of the upload that were
not graded (``cell`` is then ``upload: <file>``); a run replaces the rows of
the assignments it grades and keeps the others.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

GRADES_HEADER = ["student_id", "assignment_id", "score", "max_score"]
SCORES_HEADER = ["student_id", "assignment_id", "notebook_id", "grade_id", "score", "max_score"]
FLAGS_HEADER = ["student_id", "assignment_id", "notebook_id", "cell", "reason"]
#: The ``cell`` of a flags.csv row about a file of the upload.
UPLOAD = "upload: "


@dataclass(frozen=True)
class FlagRow:
    """One row of flags.csv."""

    student_id: str
    assignment_id: str
    notebook_id: str
    cell: str
    reason: str


def totals(scores):
    """``{(student_id, assignment_id): (score, max_score)}`` summed over cells."""
    summed = {}
    for row in scores:
        key = (row.student_id, row.assignment_id)
        score, max_score = summed.get(key, (0.0, 0.0))
        summed[key] = (score + row.score, max_score + row.max_score)
    return summed


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _score_row(row):
    cell = [row.student_id, row.assignment_id, row.notebook_id, row.grade_id]
    return [*cell, f"{row.score:g}", f"{row.max_score:g}"]


def write_scores(out, scores):
    """``scores.csv`` (one row per graded cell) and ``grades.csv`` (one per submission)."""
    out = Path(out)
    _write(out / "scores.csv", SCORES_HEADER, [_score_row(r) for r in scores])
    summed = sorted(totals(scores).items())
    _write(
        out / "grades.csv",
        GRADES_HEADER,
        [[s, a, f"{score:g}", f"{top:g}"] for (s, a), (score, top) in summed],
    )


def read_flags(out):
    """The :class:`FlagRow` s of ``OUT/flags.csv`` ([] if there is none)."""
    try:
        with open(Path(out) / "flags.csv", encoding="utf-8") as handle:
            return [FlagRow(**row) for row in csv.DictReader(handle)]
    except (OSError, TypeError):
        return []


def write_flags(out, rows, graded, known):
    """Write ``flags.csv``: ``rows`` of this run, and the earlier rows of the course's ``known``
    assignments that this run did not grade (``graded``)."""
    earlier = [r for r in read_flags(out) if r.assignment_id in set(known) - set(graded)]
    _write(
        Path(out) / "flags.csv",
        FLAGS_HEADER,
        [[r.student_id, r.assignment_id, r.notebook_id, r.cell, r.reason] for r in earlier + rows],
    )
