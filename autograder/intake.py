"""Submissions as an instructor receives them, turned into nbgrader's submitted layout.

:func:`take_in` accepts, as ``SUBMISSIONS``:

* a folder already in the submitted layout ``<student_id>/<assignment_id>/<notebook>.ipynb``
  (used in place, not copied), or a zip of one, optionally inside one top folder;
* a download of Blackboard, Canvas or Moodle, as the zip the LMS gave or unzipped into a
  folder; Moodle's "download submissions in folders" too. Its file names do not say which
  assignment of this course it is, so ``--assignment`` must.

It returns an :class:`Intake`: the submissions found, and an :class:`IntakeIssue` for every
file of the upload that is not graded as it was named (an older attempt, a pdf, a name that
follows no pattern, a file outside ``<student_id>/<assignment_id>/``...). Nothing is dropped
without one. A student whose files are known but none can be graded gets an empty
``<student>/<assignment>/`` folder, which the grader scores as "not submitted" (a zero row).

Download names, and where each is documented
---------------------------------------------
Blackboard Learn, Grade Centre "Assignment File Download"
    ``<title>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<original file name>``: the example of
    nbgrader's ``zip_collect`` (``FileNameCollectorPlugin.named_regexp``,
    ``nbgrader/plugins/zipcollect.py``, and nbgrader's documentation of ``zip_collect``).
    Each attempt also has a receipt ``<title>_<username>_attempt_<timestamp>.txt`` whose
    text has a line ``Name: <full name> (<username>)``, as read by
    github.com/vangef/BBGradebookOrganiser (``utils/organiser.py``) and described by
    github.com/terr-steak/bb-file-cleanup. Title and username may both hold ``_``.
Canvas "Download Submissions"
    instructure/canvas-lms ``lib/content_zipper.rb`` (``get_filename``,
    ``add_upload_submission``, ``sanitize_user_name``):
    ``<sortable name, lower-cased, word characters only>[_LATE]_<user id>_<file id>_<file>``,
    or ``[LATE_]anon_<anonymous id>_<file id>_<file>`` under anonymous grading. A file
    uploaded again under the same name is renamed ``<name>-<n><ext>``
    (``Attachment.make_unique_filename``, ``app/models/attachment.rb``).
Moodle "Download all submissions"
    ``mod/assign/classes/downloader.php`` (current Moodle) and, in older versions,
    ``assign::download_submissions`` in ``mod/assign/locallib.php``: the prefix is the full
    name with ``_`` replaced by spaces, then ``_<participant id>``; a file is
    ``<prefix>_assignsubmission_file_<file>``, or in folders (the default since Moodle 3.1)
    ``<prefix>_assignsubmission_file/<file>`` (``..._file_/`` in older versions). Online text
    comes as ``<prefix>_assignsubmission_onlinetext_...``.

Student ids, and which file wins
--------------------------------
* Blackboard: the username, read from the receipts where they are there. Without a receipt,
  the title is the longest common prefix, ending at an underscore, of the download's
  ``<title>_<username>`` heads (the title is the same for all of them); a single head without
  a receipt is split at its first underscore. If that would give two heads the same id (or an
  empty one), those heads become their whole ``<title>_<username>``; a note says so.
* Canvas: the name slug Canvas wrote (``anon_<id>`` when anonymous); Moodle: the full name,
  lower-cased, spaces made ``_`` (``Jane Doe`` is ``jane_doe``). Two different Canvas users
  or Moodle participants with the same slug both become ``<slug>_<user or participant id>``.
* Ids keep letters of any alphabet, ``_``, ``.``, ``-``: only ``/``, NUL and leading dots go.
* Of several files that would land on the same ``<student>/<assignment>/<name>``, the latest
  wins: Blackboard's attempt time, Canvas's file id, then the copy number of a browser's
  ``name (1).ipynb`` / ``name(1).ipynb`` or Canvas's ``name-1.ipynb``, then the place in the
  upload. A notebook named after the assignment's notebook with such a copy suffix is
  written under the notebook's own name.
"""

import re
import shutil
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from autograder.paths import assignment_ids, notebook_names

LAYOUT = "<student_id>/<assignment_id>/<notebook>.ipynb"

BLACKBOARD = re.compile(
    r"(?P<head>.+?)_attempt_(?P<when>\d{4}(?:-\d{2}){5})(?:_(?P<file>.+)|(?P<receipt>\.txt))"
)
RECEIPT_NAME = re.compile(r"^\s*Name:.*\((?P<username>[^()\s]+)\)\s*$", re.MULTILINE)
CANVAS = re.compile(r"(?P<slug>.*?)(?:_LATE)?_(?P<user>\d+)_(?P<file_id>\d+)_(?P<file>.+)")
CANVAS_ANONYMOUS = re.compile(
    r"(?:LATE_)?(?P<user>anon_[A-Za-z0-9]+)_(?P<file_id>\d+)_(?P<file>.+)"
)
MOODLE_FILE = re.compile(
    r"(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)"
)
MOODLE_FOLDER = re.compile(r"(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?")
#: A copy's suffix on a file name's stem: a browser's " (1)" or "(1)", Canvas's "-1".
COPY_SUFFIX = re.compile(r"(?P<stem>.+?)(?: ?\((?P<paren>\d+)\)|-(?P<dash>\d+))")

PATTERNS = {
    "Blackboard": "<title>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>",
    "Canvas": "<name>_[LATE_]<user id>_<file id>_<file>",
    "Moodle": "<Full Name>_<participant id>_assignsubmission_file_<file>",
}


@dataclass(frozen=True)
class IntakeIssue:
    """A file of the upload that is not graded as it was named, and why."""

    file: str  # as named in the upload: path inside the zip, or relative to the folder
    reason: str  # one sentence for the instructor
    student_id: str = ""  # when the file's student is known
    assignment_id: str = ""  # when known


@dataclass
class Intake:
    """What :func:`take_in` found: the submissions, and every file it did not use as named."""

    folder: Path  # the submitted layout that was found or written
    found: list = field(default_factory=list)  # sorted [(student_id, assignment_id, Path)]
    issues: list = field(default_factory=list)  # [IntakeIssue], in upload order
    notes: list = field(default_factory=list)  # [str]: what was done that is not a loss


def take_in(submissions, dest, assignment=None):
    """Turn ``submissions`` (a folder or a .zip) into the submitted layout; return an Intake.

    ``dest`` is an empty scratch folder this may write into; ``assignment`` is the
    ``--assignment`` id or None (required for an LMS download). Raises ValueError for an
    unknown ``assignment``, a file that is not a readable zip, or when nothing to grade is found.
    """
    submissions, dest = Path(submissions), Path(dest)
    known = assignment_ids()
    if assignment is not None and assignment not in known:
        raise ValueError(f"--assignment must be one of {known}, got {assignment!r}")
    _prepare(dest)
    if submissions.is_dir():
        upload = _Upload(entries=_folder_entries(submissions), folder=submissions)
        return _finish(_take_in(upload, dest, assignment, known), dest, submissions)
    if not submissions.is_file():
        raise ValueError(f"SUBMISSIONS must be a folder or a .zip, got {str(submissions)!r}")
    with _open_zip(submissions) as archive:
        upload = _zip_upload(archive)
        return _finish(_take_in(upload, dest, assignment, known), dest, submissions)


# -- the upload's files ---------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One file of the upload: its name there, its place in the upload, how to read it."""

    name: str  # posix path as in the upload
    index: int
    source: object  # a Path (folder upload) or a ZipInfo (zip upload)
    archive: object = None
    rel: str = ""  # the name below the top folder that was unwrapped, if any

    @property
    def parts(self):
        """The parts of ``rel`` (the name below the unwrapped top folder)."""
        return PurePosixPath(self.rel or self.name).parts

    def read_bytes(self):
        """The file's content."""
        if self.archive is None:
            return self.source.read_bytes()
        return self.archive.read(self.source)

    def copy_to(self, target):
        """Write the file's content to ``target`` (its folder is created)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.archive is None:
            shutil.copyfile(self.source, target)
            return
        with self.archive.open(self.source) as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink)


@dataclass
class _Upload:
    """The files of an upload, the unsafe ones already reported, and where they are."""

    entries: list
    folder: Path = None  # the folder given, or None for a zip
    archive: zipfile.ZipFile = None
    dirs: list = field(default_factory=list)  # a zip's safe folder entries
    issues: list = field(default_factory=list)


def _prepare(dest):
    """Create ``dest``; refuse one that already holds files."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ValueError(f"the intake's scratch folder {str(dest)!r} must be new or empty")
    dest.mkdir(parents=True, exist_ok=True)


def _open_zip(path):
    """The zip at ``path``, opened; ValueError if it is not one."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"SUBMISSIONS {str(path)!r} is not a readable zip: {error}") from None


def _ignored(parts):
    """True for what is not an upload: hidden entries (dot files, checkpoints), ``__MACOSX``."""
    return any(part.startswith(".") for part in parts) or (parts and parts[0] == "__MACOSX")


def _unsafe(name):
    """True if the zip member ``name`` would land outside the folder it is extracted into."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or re.match(r"[A-Za-z]:", name) is not None


def _folder_entries(folder):
    """The files under ``folder`` that are uploads, in sorted order."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    names = [p.relative_to(folder).as_posix() for p in files]
    kept = [(n, p) for n, p in zip(names, files, strict=True) if not _ignored(Path(n).parts)]
    return [_Entry(name, i, path) for i, (name, path) in enumerate(kept)]


def _zip_upload(archive):
    """The zip's files as an upload; absolute and ``..`` paths are issues, not files."""
    upload = _Upload(entries=[], archive=archive)
    for index, info in enumerate(archive.infolist()):
        if _unsafe(info.filename):
            reason = "an unsafe path in the zip (absolute, or with '..'): not extracted"
            upload.issues.append((index, IntakeIssue(info.filename, reason)))
        elif _ignored(PurePosixPath(info.filename).parts):
            continue
        elif info.is_dir():
            upload.dirs.append(info.filename.rstrip("/"))
        else:
            upload.entries.append(_Entry(info.filename, index, info, archive))
    return upload


# -- which shape ---------------------------------------------------------------------


def _shape(entries):
    """``"moodle-folders"``, ``"flat"`` (an LMS download) or ``"layout"``."""
    tops = {e.parts[0] for e in entries if len(e.parts) > 1}
    if any(MOODLE_FOLDER.fullmatch(top) for top in tops):
        return "moodle-folders"
    if entries and all(len(e.parts) == 1 for e in entries):
        return "flat"
    return "layout"


def _looks_layout(entries, known):
    """True if some file is at ``<student>/<assignment>/<file>``."""
    return any(
        len(e.parts) == 3 and (e.parts[1] in known or e.parts[2].endswith(".ipynb"))
        for e in entries
    )


def _unwrap(entries, known):
    """``entries`` with one top folder around the whole upload taken off, when there is one."""
    tops = {e.parts[0] for e in entries}
    if len(tops) != 1 or any(len(e.parts) == 1 for e in entries) or _shape(entries) != "layout":
        return entries, ""
    top = tops.pop()
    inner = [replace(e, rel="/".join(e.parts[1:])) for e in entries]
    shape = _shape(inner)
    if shape == "moodle-folders" or (shape == "flat" and _detect(inner)[1]):
        return inner, top
    if not _looks_layout(entries, known) and _looks_layout(inner, known):
        return inner, top
    return entries, ""


def _take_in(upload, dest, assignment, known):
    """The Intake of ``upload``, whatever its shape."""
    entries, top = _unwrap(upload.entries, known)
    shape = _shape(entries)
    if shape == "layout" or (shape == "flat" and not _detect(entries)[1]):
        intake = _layout(upload, top, dest, assignment, known)
    else:
        if assignment is None:
            raise ValueError(
                "a Blackboard, Canvas or Moodle download needs --assignment to say which "
                f"assignment it is (one of {known})"
            )
        intake = _lms(entries, shape, dest, assignment)
    intake.issues = upload.issues + intake.issues
    return intake


def _finish(intake, dest, submissions):
    """``intake`` with zero rows added, issues in upload order; ValueError if nothing found."""
    _zero_rows(intake, dest)
    intake.issues = [issue for _, issue in sorted(intake.issues, key=lambda pair: pair[0])]
    intake.found.sort()
    if not intake.found:
        lost = "".join(f"; {i.file}: {i.reason}" for i in intake.issues[:5])
        raise ValueError(
            f"no submissions under {str(submissions)!r}: expected {LAYOUT}, or a Blackboard, "
            f"Canvas or Moodle download (with --assignment){lost}"
        )
    return intake


def _zero_rows(intake, dest):
    """Give an empty folder (graded "not submitted") to each student known only by issues."""
    have = {(s, a) for s, a, _ in intake.found}
    known = set(assignment_ids())
    for _, issue in intake.issues:
        key = (issue.student_id, issue.assignment_id)
        if issue.student_id and issue.assignment_id in known and key not in have:
            folder = dest / issue.student_id / issue.assignment_id
            folder.mkdir(parents=True, exist_ok=True)
            intake.found.append((*key, folder))
            have.add(key)


# -- the submitted layout ------------------------------------------------------------


def _layout(upload, top, dest, assignment, known):
    """The Intake of an upload in the submitted layout (a zip is extracted into ``dest``)."""
    if upload.archive is None:
        root = upload.folder
    else:
        root = dest
        _extract(upload, dest)
    scan = _LayoutScan(root, {e.name: e.index for e in upload.entries}, assignment, known)
    scan.intake.folder = root / top if top else root
    for student in _visible(scan.intake.folder):
        if student.is_dir():
            for path in _visible(student):
                scan.add(path)
        else:
            scan.stray(student, "")
    scan.intake.notes += [
        f"left out {n} folders of {a}: --assignment is {assignment}"
        for a, n in sorted(scan.others.items())
    ]
    return scan.intake


def _visible(folder):
    """The entries of ``folder`` that are uploads (see ``_ignored``), sorted."""
    return sorted(p for p in folder.iterdir() if not _ignored((p.name,)))


def _extract(upload, dest):
    """Write the zip's safe files and folders into ``dest``."""
    for name in upload.dirs:
        (dest / name).mkdir(parents=True, exist_ok=True)
    latest = {entry.name: entry for entry in upload.entries}
    for entry in upload.entries:
        if latest[entry.name] is entry:
            entry.copy_to(dest / entry.name)
        else:
            reason = "the zip holds this name twice: the later copy was used"
            upload.issues.append((entry.index, IntakeIssue(entry.name, reason)))


def _files(folder):
    """The files under ``folder``, hidden ones left out, sorted."""
    found = (p for p in folder.rglob("*") if p.is_file())
    return sorted(p for p in found if not _ignored(p.relative_to(folder).parts))


@dataclass
class _LayoutScan:
    """A walk through a folder in the submitted layout, collecting its Intake."""

    root: Path  # names in issues are relative to it
    order: dict  # name in the upload -> place in the upload
    assignment: str
    known: list
    intake: Intake = field(default_factory=lambda: Intake(folder=Path()))
    others: Counter = field(default_factory=Counter)  # folders of assignments not asked for

    def add(self, path):
        """Add ``<student>/<path>``: a submission, or issues for what is not one."""
        student = path.parent.name
        if not path.is_dir():
            self.stray(path, student)
        elif path.name not in self.known:
            reason = f"in folder {path.name!r}, which is not an assignment of this course"
            for file in _files(path):
                self.stray(file, student, f"{reason} ({', '.join(self.known)})")
            if not _files(path):
                self.intake.notes.append(f"{path.relative_to(self.root)}: {reason}, empty")
        elif self.assignment is not None and path.name != self.assignment:
            self.others[path.name] += 1
        else:
            self.intake.found.append((student, path.name, path))

    def stray(self, path, student, reason=None):
        """Report ``path``, a file outside ``<student_id>/<assignment_id>/``, as an issue."""
        name = path.relative_to(self.root).as_posix()
        reason = f"{reason or 'outside <student_id>/<assignment_id>/'}: not graded"
        assignment = _assignment_of(path.name, self.assignment)
        issue = IntakeIssue(name, reason, student, assignment)
        self.intake.issues.append((self.order.get(name, len(self.order)), issue))


def _assignment_of(file_name, assignment):
    """``assignment``, or else the one assignment a notebook called ``file_name`` belongs to."""
    if assignment is not None:
        return assignment
    owners = [a for a in assignment_ids() if _is_notebook_of(file_name, notebook_names(a))]
    return owners[0] if len(owners) == 1 else ""


def _is_notebook_of(file_name, notebooks):
    """True if ``file_name`` is one of ``notebooks``, or a copy of one (``mulaw (1).ipynb``)."""
    target, copy = _target(file_name, notebooks)
    return copy is not None and PurePosixPath(target).stem in notebooks


# -- LMS downloads -------------------------------------------------------------------


@dataclass(frozen=True)
class _Upfile:
    """A file of an LMS download, with what its name says."""

    entry: _Entry
    person: str  # the LMS's key for the student: Blackboard head, Canvas or Moodle user id
    name: str  # the file's own name, the LMS's prefix taken off
    order: tuple = ()  # larger is later
    when: str = ""  # the attempt or upload, for messages
    plugin: str = "file"  # Moodle's submission plugin


@dataclass
class _Reading:
    """An LMS download read: its files, student ids, files it could not read, notes."""

    files: list = field(default_factory=list)
    ids: dict = field(default_factory=dict)  # person -> student id
    unread: list = field(default_factory=list)  # [(_Entry, reason)]
    notes: list = field(default_factory=list)
    kind: str = "attempt"  # what one of its submissions is called


def _lms(entries, shape, dest, assignment):
    """The Intake of an LMS download of ``assignment`` (its LMS detected), written to ``dest``."""
    lms = "Moodle" if shape == "moodle-folders" else _detect(entries)[0]
    reading = READERS[lms](entries)
    intake = Intake(folder=dest, notes=[_detected(lms, reading), *reading.notes])
    for entry, reason in reading.unread:
        intake.issues.append((entry.index, IntakeIssue(entry.name, reason, "", assignment)))
    _place(reading, dest, assignment, intake)
    return intake


def _detect(entries):
    """``(LMS name, files its pattern matches)`` of the LMS matching most names, or (None, 0)."""
    counts = {lms: sum(bool(match(e.parts[-1])) for e in entries) for lms, match in MATCHES.items()}
    best = max(counts, key=counts.get)
    return (best, counts[best]) if counts[best] else (None, 0)


def _detected(lms, reading):
    """The note saying which LMS's download this is."""
    students = len(set(reading.ids.values()))
    return f"{lms} download: {len(reading.files)} files of {students} students"


def _unread(entry, lms):
    """An entry that does not follow ``lms``'s pattern, with the reason."""
    return entry, f"the name does not follow {lms}'s {PATTERNS[lms]!r}: not graded"


def _read_blackboard(entries):
    """The files of a Blackboard download; ids from the receipts, or else from the names."""
    reading, receipts, heads = _Reading(kind="attempt"), {}, set()
    for entry in entries:
        match = BLACKBOARD.fullmatch(entry.parts[-1])
        if match is None:
            reading.unread.append(_unread(entry, "Blackboard"))
            continue
        heads.add(match["head"])
        if match["receipt"]:
            _read_receipt(entry, match["head"], receipts, reading.notes)
            continue
        reading.files.append(
            _Upfile(entry, match["head"], match["file"], (match["when"],), match["when"])
        )
    ids, notes = _blackboard_ids(sorted(heads), receipts)
    reading.ids, reading.notes = ids, reading.notes + notes
    return reading


def _read_receipt(entry, head, receipts, notes):
    """Record the username of ``head`` that the receipt ``entry`` gives, if it fits."""
    text = entry.read_bytes().decode("utf-8-sig", errors="replace")
    match = RECEIPT_NAME.search(text)
    if match and head.endswith("_" + match["username"]):
        receipts[head] = match["username"]
    else:
        notes.append(f"receipt {entry.name}: no 'Name: ... (username)' line that fits its name")


def _blackboard_ids(heads, receipts):
    """``({head: student id}, notes)``: receipts first, then the title found in the names."""
    titles = sorted({h[: -len(u) - 1] for h, u in receipts.items()}, key=len, reverse=True)
    ids, notes = dict(receipts), []
    for head in heads:
        title = next((t for t in titles if head.startswith(t + "_")), None)
        if head not in ids and title is not None and head != title + "_":
            ids[head] = head[len(title) + 1 :]
    rest = [h for h in heads if h not in ids]
    if len(heads) > 1 and rest:
        title = _common_title(heads)
        notes.append(f"Blackboard: no receipt for {len(rest)} students; title {title!r} assumed")
        ids.update({h: h[len(title) + 1 :] if title else h for h in rest})
    elif rest:
        head = rest[0]
        ids[head] = head.split("_", 1)[-1]
        notes.append(
            f"Blackboard: one student and no receipt: {head!r} split at its first underscore, "
            f"student {ids[head]!r} (add the receipts, the .txt files, to be sure)"
        )
    return _unique(ids, {h: h for h in heads}, notes, "Blackboard head")


def _common_title(heads):
    """The longest common prefix of ``heads`` that ends at an underscore, without it."""
    common = heads[0]
    for head in heads[1:]:
        while not head.startswith(common):
            common = common[:-1]
    return common[: common.rfind("_")] if "_" in common else ""


def _read_canvas(entries):
    """The files of a Canvas download; ids are the name slugs Canvas wrote."""
    reading, slugs = _Reading(kind="upload"), {}
    for entry in entries:
        name = entry.parts[-1]
        match = CANVAS_ANONYMOUS.fullmatch(name) or CANVAS.fullmatch(name)
        if match is None:
            reading.unread.append(_unread(entry, "Canvas"))
            continue
        user, file_id = match["user"], int(match["file_id"])
        slugs[user] = match.groupdict().get("slug") or user
        upfile = _Upfile(entry, user, match["file"], (file_id,), f"file id {file_id}")
        reading.files.append(upfile)
    reading.ids, reading.notes = _slug_ids(slugs, "Canvas user")
    return reading


def _read_moodle(entries):
    """The files of a Moodle download, flat or in folders; ids are slugs of the full names."""
    reading, slugs = _Reading(kind="submission"), {}
    for entry in entries:
        parts = entry.parts
        match = MOODLE_FILE.fullmatch(parts[0]) if len(parts) == 1 else None
        match = match or (MOODLE_FOLDER.fullmatch(parts[0]) if len(parts) > 1 else None)
        if match is None:
            reading.unread.append(_unread(entry, "Moodle"))
            continue
        name = parts[-1] if len(parts) > 1 else match["file"]
        slugs[match["user"]] = _name_slug(match["name"])
        reading.files.append(_Upfile(entry, match["user"], name, plugin=match["plugin"]))
    reading.ids, reading.notes = _slug_ids(slugs, "Moodle participant")
    return reading


def _name_slug(full_name):
    """A readable id for a full name: lower-cased, spaces made ``_`` (``jane_doe``)."""
    return "_".join(unicodedata.normalize("NFC", full_name).split()).lower()


def _slug_ids(slugs, label):
    """``({user: student id}, notes)``: the slug, or ``<slug>_<user>`` when slugs collide."""
    fallback = {user: f"{slug}_{user}" for user, slug in slugs.items()}
    return _unique(dict(slugs), fallback, [], label)


def _unique(ids, fallback, notes, label):
    """``(ids, notes)`` with ids cleaned; ids shared or empty replaced by the fallback."""
    ids = {key: _clean_id(value) for key, value in ids.items()}
    count = Counter(ids.values())
    for key in sorted(ids):
        if count[ids[key]] > 1 or not ids[key]:
            new = _clean_id(fallback[key]) or key
            notes.append(f"{label} {key!r}: student id {new!r}, as {ids[key]!r} was ambiguous")
            ids[key] = new
    return ids, notes


def _clean_id(text):
    """``text`` as a folder name: NFC, without ``/``, NUL or leading dots."""
    text = unicodedata.normalize("NFC", text).replace("/", "").replace("\0", "")
    return text.lstrip(".")


READERS = {"Moodle": _read_moodle, "Blackboard": _read_blackboard, "Canvas": _read_canvas}
MATCHES = {
    "Moodle": MOODLE_FILE.fullmatch,
    "Blackboard": BLACKBOARD.fullmatch,
    "Canvas": lambda name: CANVAS_ANONYMOUS.fullmatch(name) or CANVAS.fullmatch(name),
}


# -- placing the files ---------------------------------------------------------------


def _target(name, notebooks):
    """``(name to write, copy number)`` of a file: a notebook's copy gets its own name.

    The copy number is None for a file that is not a notebook, 0 for an original.
    """
    path = PurePosixPath(name)
    if path.suffix.lower() != ".ipynb":
        return name, None
    if path.stem in notebooks:
        return f"{path.stem}.ipynb", 0
    match = COPY_SUFFIX.fullmatch(path.stem)
    if match and match["stem"] in notebooks:
        return f"{match['stem']}.ipynb", int(match["paren"] or match["dash"])
    return path.name, 0


def _place(reading, dest, assignment, intake):
    """Write each student's latest files to ``dest``; every other file is an issue."""
    notebooks = notebook_names(assignment)
    groups = defaultdict(list)
    for upfile in reading.files:
        student = reading.ids[upfile.person]
        target, copy = _target(upfile.name, notebooks)
        reason = _not_graded(upfile, copy)
        if reason:
            issue = IntakeIssue(upfile.entry.name, reason, student, assignment)
            intake.issues.append((upfile.entry.index, issue))
        else:
            groups[student, target].append((upfile.order, copy, upfile.entry.index, upfile))
    for (student, target), group in sorted(groups.items()):
        _write_latest(group, dest / student / assignment / target, reading.kind, intake)
    for student in sorted(set(reading.ids.values())):
        folder = dest / student / assignment
        if not folder.is_dir():
            intake.notes.append(f"{student}: no notebook in the download: not submitted")
            folder.mkdir(parents=True)
        intake.found.append((student, assignment, folder))


def _not_graded(upfile, copy):
    """Why ``upfile`` cannot be graded (not a notebook), or "" if it can."""
    if upfile.plugin != "file":
        return f"a Moodle {upfile.plugin} entry, not a notebook: not graded"
    if copy is None:
        suffix = PurePosixPath(upfile.name).suffix or "no extension"
        return f"not a notebook ({suffix}): only .ipynb files are graded"
    return ""


def _write_latest(group, target, kind, intake):
    """Write the latest file of ``group`` to ``target``; each other one is an issue."""
    group.sort(key=lambda item: item[:3])
    winner = group[-1][3]
    winner.entry.copy_to(target)
    student, assignment = target.parent.parent.name, target.parent.name
    if winner.name != target.name:
        intake.notes.append(f"{winner.entry.name}: graded as {student}/{target.name}")
    for *_, loser in group[:-1]:
        reason = _lost(loser, winner, target.name, kind)
        intake.issues.append(
            (loser.entry.index, IntakeIssue(loser.entry.name, reason, student, assignment))
        )


def _lost(loser, winner, name, kind):
    """Why ``loser`` is not graded: ``winner`` is later."""
    if loser.order < winner.order:
        return (
            f"an older {kind} ({loser.when}): the {kind} of {winner.when} was graded "
            f"({winner.entry.name})"
        )
    return (
        f"another copy of {name} in the same {kind}: the later copy {winner.entry.name} was graded"
    )
