"""Fast checks of ``autograder.intake.take_in``: every shape of upload, and no file lost silently.

Each LMS download below is a list of file names as that LMS writes them (see the sources in
``autograder/intake.py``), tried as the zip the LMS gives and as the folder an instructor
unzips it into. Files are tiny notebooks whose first cell says which upload they were.
"""

import json
import zipfile

import nbformat
import pytest

from autograder.intake import IntakeIssue, take_in
from autograder.paths import assignment_ids, notebook_names

ASSIGNMENT = "01_mulaw"
NOTEBOOK = "mulaw"


def _nb(tag):
    """A tiny notebook whose first cell is ``tag``."""
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(tag)]))


def _tag(path):
    """The tag of the notebook at ``path`` (see ``_nb``)."""
    return "".join(json.loads(path.read_text())["cells"][0]["source"])


def _upload(tmp_path, files, as_zip):
    """``files`` ({name: text or bytes}) as a zip, or as a folder, under ``tmp_path``."""
    if as_zip:
        path = tmp_path / "upload.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return path
    folder = tmp_path / "upload"
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode())
    return folder


def _ids(intake):
    return [(s, a) for s, a, _ in intake.found]


def _graded(intake):
    """``{student: tag of their mulaw.ipynb, or None for an empty folder}``."""
    graded = {}
    for student, _, folder in intake.found:
        files = sorted(f for f in folder.iterdir() if not f.name.startswith("."))
        assert [f.name for f in files] in ([], [f"{NOTEBOOK}.ipynb"]), files
        graded[student] = _tag(files[0]) if files else None
    return graded


def _lost(intake):
    """``{file: student}`` of the issues."""
    return {issue.file: issue.student_id for issue in intake.issues}


def _reason(intake, file):
    """The reason of the issue about ``file``."""
    (reason,) = [issue.reason for issue in intake.issues if issue.file == file]
    return reason


def _in_upload_order(files, lost, as_zip):
    """The names of ``lost`` in the order of the upload: the zip's, or the folder's sorted."""
    return [f for f in (files if as_zip else sorted(files)) if f in lost]


@pytest.fixture(params=[True, False], ids=["zip", "folder"])
def as_zip(request):
    return request.param


def test_the_assignment_used_here_exists():
    assert ASSIGNMENT in assignment_ids()
    assert notebook_names(ASSIGNMENT) == [NOTEBOOK]


# -- Blackboard --------------------------------------------------------------------------

BB = "HW 1_mu_law"  # a title with a space and underscores


def _receipt(username, full_name, when):
    return (
        f"Name: {full_name} ({username})\nAssignment: HW 1_mu_law\n"
        f"Date Submitted: {when}\nCurrent Grade: Needs Grading\n\n"
        "Submission Field:\nThere is no student submission text data for this assignment.\n\n"
        "Comments:\nThere are no student comments for this assignment.\n\nFiles:\n"
    )


BLACKBOARD_FILES = {
    f"{BB}_jane_doe_attempt_2026-01-01-10-00-00_{NOTEBOOK}.ipynb": _nb("jane first"),
    f"{BB}_jane_doe_attempt_2026-01-02-10-00-00_{NOTEBOOK} (1).ipynb": _nb("jane second"),
    f"{BB}_john_doe_attempt_2026-01-01-09-00-00_{NOTEBOOK}.ipynb": _nb("john"),
    f"{BB}_john_doe_attempt_2026-01-01-09-00-00_helpers.py": "x = 1\n",
    f"{BB}_j.doe_attempt_2026-01-01-08-00-00_report.pdf": b"%PDF-1.4",
    f"{NOTEBOOK} (1).ipynb": _nb("nobody"),
}


def test_blackboard_download_without_receipts(tmp_path, as_zip):
    """Ids with _ and . survive the title's split; latest attempt wins; losses are issues."""
    intake = take_in(_upload(tmp_path, BLACKBOARD_FILES, as_zip), tmp_path / "dest", ASSIGNMENT)
    assert _ids(intake) == [(s, ASSIGNMENT) for s in ("j.doe", "jane_doe", "john_doe")]
    assert _graded(intake) == {"j.doe": None, "jane_doe": "jane second", "john_doe": "john"}
    first, *_ = BLACKBOARD_FILES
    assert _lost(intake) == {
        first: "jane_doe",
        f"{BB}_john_doe_attempt_2026-01-01-09-00-00_helpers.py": "john_doe",
        f"{BB}_j.doe_attempt_2026-01-01-08-00-00_report.pdf": "j.doe",
        f"{NOTEBOOK} (1).ipynb": "",
    }
    assert _reason(intake, first) == (
        "an older attempt (2026-01-01-10-00-00): the attempt of 2026-01-02-10-00-00 was graded "
        f"({BB}_jane_doe_attempt_2026-01-02-10-00-00_{NOTEBOOK} (1).ipynb)"
    )
    order = _in_upload_order(BLACKBOARD_FILES, _lost(intake), as_zip)
    assert [i.file for i in intake.issues] == order
    assert all(i.assignment_id == ASSIGNMENT for i in intake.issues)
    assert any("graded as jane_doe/mulaw.ipynb" in note for note in intake.notes)
    assert any(repr(BB) in note for note in intake.notes)  # the title it assumed
    assert intake.folder == tmp_path / "dest"


def test_blackboard_receipts_give_the_exact_usernames(tmp_path, as_zip):
    """jane_doe and jane_smith share 'jane_': only the receipts can split them right."""
    files = {
        f"{BB}_jane_doe_attempt_2026-01-01-10-00-00.txt": _receipt("jane_doe", "Jane Doe", "x"),
        f"{BB}_jane_doe_attempt_2026-01-01-10-00-00_{NOTEBOOK}.ipynb": _nb("doe"),
        f"{BB}_jane_smith_attempt_2026-01-01-11-00-00.txt": _receipt("jane_smith", "J S", "y"),
        f"{BB}_jane_smith_attempt_2026-01-01-11-00-00_{NOTEBOOK}.ipynb": _nb("smith"),
        f"{BB}_jane_x_attempt_2026-01-01-12-00-00.txt": _receipt("jane_x", "Jane X", "z"),
    }
    intake = take_in(_upload(tmp_path, files, as_zip), tmp_path / "dest", ASSIGNMENT)
    assert _graded(intake) == {"jane_doe": "doe", "jane_smith": "smith", "jane_x": None}
    assert intake.issues == []  # receipts are used, not reported
    assert any("jane_x: no notebook" in note for note in intake.notes)


def test_blackboard_receipt_names_a_student_without_its_own_receipt(tmp_path):
    """A receipt fixes the title; a student whose receipt is missing is split by it."""
    files = {
        "Lab_2_jane_doe_attempt_2026-01-01-10-00-00.txt": _receipt("jane_doe", "Jane", "x"),
        f"Lab_2_jane_doe_attempt_2026-01-01-10-00-00_{NOTEBOOK}.ipynb": _nb("jane"),
        f"Lab_2_jane_dot_attempt_2026-01-01-10-00-00_{NOTEBOOK}.ipynb": _nb("dot"),
    }
    intake = take_in(_upload(tmp_path, files, True), tmp_path / "dest", ASSIGNMENT)
    assert _graded(intake) == {"jane_doe": "jane", "jane_dot": "dot"}


def test_single_student_blackboard_download(tmp_path):
    """One head and no receipt: the title ends at the first underscore, and a note says so."""
    files = {f"HW 1_jane_doe_attempt_2026-01-01-10-00-00_{NOTEBOOK}.ipynb": _nb("jane")}
    intake = take_in(_upload(tmp_path, files, True), tmp_path / "dest", ASSIGNMENT)
    assert _graded(intake) == {"jane_doe": "jane"}
    assert any("first underscore" in note for note in intake.notes)


def test_blackboard_ids_that_would_merge_fall_back_to_the_whole_head(tmp_path):
    """'x' and '.x' would both be 'x' (leading dots go): neither loses its grade."""
    files = {
        f"HW_x_attempt_2026-01-01-10-00-00_{NOTEBOOK}.ipynb": _nb("x"),
        f"HW_.x_attempt_2026-01-01-10-00-00_{NOTEBOOK}.ipynb": _nb("dot x"),
    }
    intake = take_in(_upload(tmp_path, files, True), tmp_path / "dest", ASSIGNMENT)
    assert _graded(intake) == {"HW_x": "x", "HW_.x": "dot x"}
    assert sum("ambiguous" in note for note in intake.notes) == 2


def test_copies_in_one_attempt_keep_the_later_copy(tmp_path):
    """Two files landing on one notebook: the browser's later copy wins, the other is named."""
    stamp = "2026-01-01-10-00-00"
    files = {
        f"{BB}_alice_attempt_{stamp}_{NOTEBOOK}(2).ipynb": _nb("copy 2"),
        f"{BB}_alice_attempt_{stamp}_{NOTEBOOK}.ipynb": _nb("original"),
        f"{BB}_bob_attempt_{stamp}_{NOTEBOOK}.ipynb": _nb("bob"),
    }
    intake = take_in(_upload(tmp_path, files, True), tmp_path / "dest", ASSIGNMENT)
    assert _graded(intake) == {"alice": "copy 2", "bob": "bob"}
    (issue,) = intake.issues
    assert issue.file == f"{BB}_alice_attempt_{stamp}_{NOTEBOOK}.ipynb"
    assert issue.student_id == "alice"
    assert f"{BB}_alice_attempt_{stamp}_{NOTEBOOK}(2).ipynb" in issue.reason


# -- Canvas ------------------------------------------------------------------------------

CANVAS_FILES = {
    # Canvas's slug is the sortable name "Doe, Jane", lower-cased, word characters only.
    f"doejane_1001_5001_{NOTEBOOK}.ipynb": _nb("jane first"),
    f"doejane_1001_5090_{NOTEBOOK}-1.ipynb": _nb("jane re-upload"),
    f"doejohn_LATE_1002_5002_{NOTEBOOK} (1).ipynb": _nb("john late"),
    "doej_1003_5003_report.pdf": b"%PDF-1.4",
    f"smithalex_1004_5004_{NOTEBOOK}.ipynb": _nb("alex 1004"),
    f"smithalex_1005_5005_{NOTEBOOK}.ipynb": _nb("alex 1005"),
    f"anon_Xy12Z_5006_{NOTEBOOK}.ipynb": _nb("anonymous"),
    "grades.csv": "x\n",
}


def test_canvas_download(tmp_path, as_zip):
    """Late files count; the later file id wins; two users with one slug stay two."""
    intake = take_in(_upload(tmp_path, CANVAS_FILES, as_zip), tmp_path / "dest", ASSIGNMENT)
    assert _graded(intake) == {
        "anon_Xy12Z": "anonymous",
        "doej": None,
        "doejane": "jane re-upload",
        "doejohn": "john late",
        "smithalex_1004": "alex 1004",
        "smithalex_1005": "alex 1005",
    }
    assert _lost(intake) == {
        f"doejane_1001_5001_{NOTEBOOK}.ipynb": "doejane",
        "doej_1003_5003_report.pdf": "doej",
        "grades.csv": "",
    }
    assert "file id 5090" in _reason(intake, f"doejane_1001_5001_{NOTEBOOK}.ipynb")
    order = _in_upload_order(CANVAS_FILES, _lost(intake), as_zip)
    assert [i.file for i in intake.issues] == order
    assert any("Canvas download" in note for note in intake.notes)
    assert sum("ambiguous" in note for note in intake.notes) == 2


# -- Moodle ------------------------------------------------------------------------------

MOODLE_FILES = {
    f"Jane Doe_2001_assignsubmission_file_{NOTEBOOK}.ipynb": _nb("jane 2001"),
    f"Jane Doe_2004_assignsubmission_file_{NOTEBOOK}.ipynb": _nb("jane 2004"),
    f"John Doe_2002_assignsubmission_file_{NOTEBOOK}.ipynb": _nb("john original"),
    f"John Doe_2002_assignsubmission_file_{NOTEBOOK}(1).ipynb": _nb("john copy"),
    "J. Doe_2003_assignsubmission_file_report.pdf": b"%PDF-1.4",
    "J. Doe_2003_assignsubmission_onlinetext_onlinetext.html": "<p>hi</p>",
    "Zoë Ånström_2005_assignsubmission_file_mulaw.ipynb": _nb("zoë"),
}
MOODLE_IDS = {
    "j._doe": None,
    "jane_doe_2001": "jane 2001",
    "jane_doe_2004": "jane 2004",
    "john_doe": "john copy",
    "zoë_ånström": "zoë",
}


def _moodle_lost(name):
    return {
        name(f"John Doe_2002_assignsubmission_file_{NOTEBOOK}.ipynb"): "john_doe",
        name("J. Doe_2003_assignsubmission_file_report.pdf"): "j._doe",
        name("J. Doe_2003_assignsubmission_onlinetext_onlinetext.html"): "j._doe",
    }


def test_moodle_flat_download(tmp_path, as_zip):
    intake = take_in(_upload(tmp_path, MOODLE_FILES, as_zip), tmp_path / "dest", ASSIGNMENT)
    assert _graded(intake) == MOODLE_IDS
    assert _lost(intake) == _moodle_lost(lambda name: name)


@pytest.mark.parametrize("suffix", ["", "_"], ids=["moodle-4", "moodle-3"])
def test_moodle_download_in_folders(tmp_path, as_zip, suffix):
    """One folder per student and plugin (``..._file/`` now, ``..._file_/`` before)."""

    def folder_form(name):
        head, file = name.split("_assignsubmission_")
        plugin, file = file.split("_", 1)
        return f"{head}_assignsubmission_{plugin}{suffix}/{file}"

    files = {folder_form(name): data for name, data in MOODLE_FILES.items()}
    intake = take_in(_upload(tmp_path, files, as_zip), tmp_path / "dest", ASSIGNMENT)
    assert _graded(intake) == MOODLE_IDS
    assert _lost(intake) == _moodle_lost(folder_form)


# -- the submitted layout ----------------------------------------------------------------


def test_zip_in_submitted_layout_inside_a_top_folder(tmp_path):
    """<top>/<student>/<assignment>/<nb>.ipynb is extracted, the top folder left out."""
    archive = _upload(
        tmp_path,
        {
            f"export/alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb": _nb("alice"),
            f"export/bob/{ASSIGNMENT}/x.ipynb": _nb("bob"),
        },
        True,
    )
    intake = take_in(archive, tmp_path / "out")
    assert _ids(intake) == [("alice", ASSIGNMENT), ("bob", ASSIGNMENT)]
    assert intake.folder == tmp_path / "out" / "export"
    assert _tag(intake.found[1][2] / "x.ipynb") == "bob"
    assert intake.issues == []


def test_flat_lms_zip_keeps_the_latest_attempt(tmp_path):
    """An LMS download needs --assignment; latest attempt wins; no path escapes the zip."""
    old, new = b'{"old": 1}', b'{"new": 1}'
    archive = _upload(
        tmp_path,
        {
            f"hw_alice_attempt_2026-01-01-10-00-00_{NOTEBOOK}.ipynb": old,
            f"hw_alice_attempt_2026-01-02-10-00-00_{NOTEBOOK}.ipynb": new,
            f"hw_bob_attempt_2026-01-01-09-00-00_{NOTEBOOK}.ipynb": old,
            "../../evil.ipynb": b"escape",
            "/abs/evil.ipynb": b"escape",
            "__MACOSX/._x": b"resource fork",
        },
        True,
    )
    with pytest.raises(ValueError, match="--assignment"):
        take_in(archive, tmp_path / "a")
    intake = take_in(archive, tmp_path / "b", ASSIGNMENT)
    folder = intake.folder
    assert (folder / "alice" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes() == new
    assert (folder / "bob" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes() == old
    assert not list(tmp_path.rglob("evil.ipynb"))
    unsafe = [i for i in intake.issues if "unsafe" in i.reason]
    assert [i.file for i in unsafe] == ["../../evil.ipynb", "/abs/evil.ipynb"]


def test_zip_slip_in_a_layout_zip(tmp_path):
    archive = _upload(
        tmp_path,
        {
            f"alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb": _nb("alice"),
            f"alice/{ASSIGNMENT}/../../../evil.ipynb": b"escape",
        },
        True,
    )
    intake = take_in(archive, tmp_path / "out")
    assert _ids(intake) == [("alice", ASSIGNMENT)]
    assert not list(tmp_path.rglob("evil.ipynb"))
    assert [i.file for i in intake.issues] == [f"alice/{ASSIGNMENT}/../../../evil.ipynb"]


def test_not_a_zip_is_a_clear_error(tmp_path):
    """A file that is not a zip names itself in the error."""
    bogus = tmp_path / "class.zip"
    bogus.write_text("not a zip")
    with pytest.raises(ValueError, match="not a readable zip"):
        take_in(bogus, tmp_path / "out")


def test_layout_folder_is_used_in_place(tmp_path):
    folder = _upload(tmp_path, {f"alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb": _nb("a")}, False)
    intake = take_in(folder, tmp_path / "dest")
    assert intake.folder == folder
    assert intake.found == [("alice", ASSIGNMENT, folder / "alice" / ASSIGNMENT)]
    assert not any((tmp_path / "dest").iterdir())


def test_stray_files_in_a_layout_are_issues(tmp_path, as_zip):
    """Files outside <student>/<assignment>/ are named; hidden entries are not uploads."""
    files = {
        f"alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb": _nb("alice"),
        f"alice/{ASSIGNMENT}/.ipynb_checkpoints/{NOTEBOOK}-checkpoint.ipynb": _nb("ckpt"),
        f"bob/{NOTEBOOK}.ipynb": _nb("bob, misplaced"),
        "notes.txt": "read me",
        ".DS_Store": b"\0",
        "alice/.hidden": "x",
    }
    intake = take_in(_upload(tmp_path, files, as_zip), tmp_path / "dest")
    assert _graded(intake) == {"alice": "alice", "bob": None}  # bob: a zero row
    assert intake.issues == [
        IntakeIssue(
            f"bob/{NOTEBOOK}.ipynb",
            "outside <student_id>/<assignment_id>/: not graded",
            "bob",
            ASSIGNMENT,
        ),
        IntakeIssue("notes.txt", "outside <student_id>/<assignment_id>/: not graded"),
    ]


def test_unknown_assignment_folder_is_an_issue(tmp_path, as_zip):
    files = {
        f"alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb": _nb("alice"),
        f"carol/hw9/{NOTEBOOK}.ipynb": _nb("carol"),
        "carol/hw9/data/extra.csv": "1,2\n",
    }
    intake = take_in(_upload(tmp_path, files, as_zip), tmp_path / "dest")
    assert _graded(intake) == {"alice": "alice", "carol": None}
    assert _lost(intake) == {
        f"carol/hw9/{NOTEBOOK}.ipynb": "carol",
        "carol/hw9/data/extra.csv": "carol",
    }
    assert all("'hw9', which is not an assignment" in i.reason for i in intake.issues)


def test_assignment_option_leaves_other_assignments_out_with_a_note(tmp_path):
    other = next(a for a in assignment_ids() if a != ASSIGNMENT)
    files = {
        f"alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb": _nb("alice"),
        f"alice/{other}/x.ipynb": _nb("other"),
    }
    intake = take_in(_upload(tmp_path, files, False), tmp_path / "dest", ASSIGNMENT)
    assert _ids(intake) == [("alice", ASSIGNMENT)]
    assert intake.issues == []
    assert any(other in note for note in intake.notes)


def test_bad_arguments_are_clear_errors(tmp_path):
    folder = _upload(tmp_path, {f"alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb": _nb("a")}, False)
    with pytest.raises(ValueError, match="--assignment must be one of"):
        take_in(folder, tmp_path / "a", "99_nothing")
    with pytest.raises(ValueError, match=r"must be a folder or a \.zip"):
        take_in(tmp_path / "missing", tmp_path / "b")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no submissions under"):
        take_in(tmp_path / "empty", tmp_path / "c")
    (tmp_path / "d").mkdir()
    stray = _upload(tmp_path / "d", {"notes.txt": "x"}, True)
    with pytest.raises(ValueError, match=r"no submissions under.*notes\.txt: outside"):
        take_in(stray, tmp_path / "out")


def test_a_download_inside_one_top_folder(tmp_path, as_zip):
    """An LMS download the instructor put inside a folder is found below it."""
    files = {f"HW1 submissions/{name}": data for name, data in CANVAS_FILES.items()}
    intake = take_in(_upload(tmp_path, files, as_zip), tmp_path / "dest", ASSIGNMENT)
    assert len(intake.found) == 6
    assert _lost(intake)["HW1 submissions/grades.csv"] == ""


def test_a_name_twice_in_a_layout_zip_is_an_issue(tmp_path):
    path = tmp_path / "class.zip"
    with zipfile.ZipFile(path, "w") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr(f"alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb", _nb("first"))
        archive.writestr(f"alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb", _nb("second"))
    intake = take_in(path, tmp_path / "dest")
    assert _graded(intake) == {"alice": "second"}
    (issue,) = intake.issues
    assert issue.file == f"alice/{ASSIGNMENT}/{NOTEBOOK}.ipynb"
    assert "twice" in issue.reason
