"""Results kept in ``OUT/results/``, so that a rerun grades only what is new or changed.

Each submission's result is stored as soon as it is merged into the
gradebook, under a key of everything it depends on: the release's
fingerprint, the submission's files and the grading settings. A later run
reuses a stored result whose key still matches (and whose feedback pages are
still there); after Ctrl-C or a lost scheduler, the same command finishes
the class.
"""

import dataclasses
import hashlib
import json
from pathlib import Path

from autograder.records import SubmissionResult


def result_key(job, fingerprint):
    """What a kept result depends on: the release, the submission's files, the settings."""
    digest = hashlib.sha256()
    digest.update(fingerprint.encode())
    folder = Path(job.submission)
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    settings = [dataclasses.asdict(job.limits), job.sandbox, job.show_hidden_tests]
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def result_file(out, student_id, assignment_id):
    return Path(out) / "results" / student_id / f"{assignment_id}.json"


def keep(out, job, key, item):
    """Store a submission's result in ``out``/results, for a later run to reuse."""
    path = result_file(out, job.student_id, job.assignment_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"key": key, "result": json.loads(item.to_json())}, indent=1))


def kept(out, job, key):
    """An earlier run's result in ``out`` of this very submission under these settings, or
    None."""
    path = result_file(out, job.student_id, job.assignment_id)
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if stored.get("key") != key:
        return None
    item = SubmissionResult.from_json(json.dumps(stored["result"]))
    pages = Path(out) / "feedback" / job.student_id / job.assignment_id
    if not all((pages / f"{name}.html").is_file() for name in job.notebooks):
        return None
    return item
