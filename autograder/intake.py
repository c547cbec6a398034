"""Submissions as an instructor receives them: a folder, or an LMS zip."""

import re
import shutil
import zipfile
from pathlib import Path

#: An LMS download's file name, the pattern of nbgrader's ``zip_collect``
#: documentation (Blackboard): ``<anything>_<student>_attempt_<time>_<notebook>``.
LMS_NAME = re.compile(
    r".*_(?P<student_id>\w+?)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>[\w\-. ]+\.ipynb)$"
)


def _safe_members(archive):
    for member in archive.infolist():
        path = Path(member.filename)
        if member.is_dir() or path.is_absolute() or ".." in path.parts:
            continue
        if path.parts and path.parts[0] == "__MACOSX":
            continue
        yield member


def unpack(zip_path, dest, assignment=None):
    """Unpack a zip of submissions into ``dest`` in the submitted layout; return that folder.

    Two shapes are accepted: the submitted layout itself
    (``<student_id>/<assignment_id>/<notebook>.ipynb``, optionally inside one
    top folder), or a flat LMS download whose names follow ``LMS_NAME``
    (then ``assignment`` must be given; of several attempts the latest wins).
    """
    zip_path, dest = Path(zip_path), Path(dest)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"SUBMISSIONS {str(zip_path)!r} is not a readable zip: {error}") from None
    with archive:
        members = list(_safe_members(archive))
        flat = [m for m in members if len(Path(m.filename).parts) == 1]
        if flat and len(flat) == len(members):
            if assignment is None:
                raise ValueError("a flat LMS zip needs --assignment to say which assignment it is")
            latest = {}
            for member in members:
                match = LMS_NAME.match(Path(member.filename).name)
                if match is None:
                    continue
                key = (match["student_id"], match["file_id"])
                if key not in latest or match["timestamp"] > latest[key][0]:
                    latest[key] = (match["timestamp"], member)
            for (student_id, file_id), (_, member) in sorted(latest.items()):
                target = dest / student_id / assignment / file_id
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
            return dest
        for member in members:
            archive.extract(member, dest)
    if not _looks_submitted(dest):
        tops = [p for p in dest.iterdir() if p.is_dir() and not p.name.startswith(".")]
        if len(tops) == 1 and _looks_submitted(tops[0]):
            return tops[0]  # one wrapping folder around <student>/<assignment>/...
    return dest


def _looks_submitted(folder):
    """True if ``folder`` holds ``<student>/<assignment>/*.ipynb``."""
    return any(len(p.relative_to(folder).parts) == 3 for p in folder.rglob("*.ipynb"))
