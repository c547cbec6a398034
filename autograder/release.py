"""``release``: generate every student notebook in ``notebooks/`` from ``solutions/``.

nbgrader's ``generate_assignment`` makes the student version (solutions and
hidden tests out); in this course it first drops the lecturer's speaker
notes (:class:`DropSpeakerNotes`): they are for the lecture, not the kit.
Also the release's fingerprint, which grading machines compare before they grade.
"""

import hashlib
import shutil
import tempfile
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.cells import is_speaker_note
from autograder.log import log
from autograder.paths import COURSE_PACKAGE, NOTEBOOKS, REPO, SOLUTIONS, assignment_ids
from autograder.workspace import Workspace


class DropSpeakerNotes(NbGraderPreprocessor):
    """The first step of ``generate_assignment`` here: the lecturer's notes stay in the lecture."""

    def preprocess(self, nb, resources):
        nb.cells = [cell for cell in nb.cells if not is_speaker_note(cell)]
        return nb, resources


def release(assignments=None, dest=NOTEBOOKS):
    """Run nbgrader's generate_assignment for each assignment, into ``dest/<id>/``.

    Returns the list of written folders. ``dest/<id>/`` is replaced as a whole:
    it only ever holds generated files.
    """
    assignments = list(assignments or assignment_ids())
    written = []
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        workspace = Workspace(Path(tmp))
        for assignment_id in assignments:
            released = workspace.generate(assignment_id)
            target = Path(dest) / assignment_id
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(released, target)
            written.append(target)
            log.debug("released %s -> %s", assignment_id, target)
    return written


def release_fingerprint(assignment_id):
    """A hash of everything that decides a grade of ``assignment_id`` on this machine.

    The released and the source notebooks (the tests, hidden ones included)
    and the ``course`` package (the answer key and the helpers the notebooks
    import). Two machines with the same fingerprint grade a submission alike;
    ``autograder.dask_workers`` refuses to grade on a worker whose fingerprint
    differs from the parent's.
    """
    files = sorted(
        [
            *(SOLUTIONS / assignment_id).glob("*.ipynb"),
            *(NOTEBOOKS / assignment_id).glob("*.ipynb"),
            *(p for p in COURSE_PACKAGE.rglob("*.py") if "__pycache__" not in p.parts),
        ]
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
