"""What crosses between ``grade`` (the class run) and ``worker`` (one submission).

The parent writes a :class:`Job` per submission to a JSON file; the worker
grades it and writes a :class:`SubmissionResult` back; the parent merges the
results into the gradebook and the tables. Both sides read and write these
records only through :meth:`to_json` / :meth:`from_json`, so the protocol is
written down once, here.
"""

import dataclasses
import enum
import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.settings import Limits


class Status(enum.StrEnum):
    """How grading one notebook went."""

    GRADED = "graded"  # nbgrader ran it; its scores are the tests' verdicts
    MISSING = "missing"  # the student did not submit this notebook: every test 0
    FAILED = "failed"  # it could not be graded (not a notebook, crash, time): every test 0


@dataclass(frozen=True)
class Flag:
    """Student code that the grader refused to run, and why."""

    cell: str
    reason: str


@dataclass(frozen=True)
class Job:
    """One submission to grade: what, where from, where to, under which limits."""

    student_id: str
    assignment_id: str
    submission: str  # the student's folder: <notebook>.ipynb files
    out: str  # where grading writes the job's files (feedback/, autograded/, logs/ as in OUT)
    notebooks: dict  # {notebook_id: [[grade_id, points], ...]} in notebook order
    template: str  # the template workspace to copy
    result: str  # where the worker writes its SubmissionResult
    dir: str  # the job's own scratch folder
    limits: Limits = field(default_factory=Limits)
    sandbox: bool = True
    font_cache: str = ""
    template_cache: str = ""
    show_hidden_tests: bool = False
    verbose: bool = False

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        fields = json.loads(text)
        fields["limits"] = Limits(**fields["limits"])
        return cls(**fields)

    def write(self):
        """Write the job into its folder; returns the file's path."""
        path = Path(self.dir) / "job.json"
        path.write_text(self.to_json())
        return path


@dataclass
class NotebookRecord:
    """The outcome of one notebook of a submission: status, why, scores, flags, notes."""

    notebook_id: str
    status: Status = Status.GRADED
    reason: str = ""
    scores: dict = field(default_factory=dict)  # {grade_id: score}
    flags: list = field(default_factory=list)  # [Flag]
    notes: list = field(default_factory=list)  # [str]

    def give_zero(self, status, reason, cells):
        """Mark this notebook ungraded (``status``, ``reason``): every cell of ``cells`` at 0."""
        self.status, self.reason = Status(status), reason
        self.scores = {grade_id: 0.0 for grade_id, _ in cells}
        return self


@dataclass
class SubmissionResult:
    """Everything the worker found out about one submission."""

    student_id: str
    assignment_id: str
    notebooks: list  # [NotebookRecord], one per notebook of the assignment
    seconds: float = 0.0
    sandboxed: bool = False  # whether its kernels ran in the jail (where it was graded)

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        fields = json.loads(text)
        records = []
        for record in fields.pop("notebooks"):
            record["status"] = Status(record["status"])
            record["flags"] = [Flag(**flag) for flag in record["flags"]]
            records.append(NotebookRecord(**record))
        return cls(notebooks=records, **fields)

    @classmethod
    def failed(cls, job, reason):
        """Every notebook of ``job`` at zero with ``reason``: a worker that did not come back."""
        records = [
            NotebookRecord(name).give_zero(Status.FAILED, reason, cells)
            for name, cells in job.notebooks.items()
        ]
        return cls(job.student_id, job.assignment_id, records)
