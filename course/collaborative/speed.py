"""A deterministic check for the test cells of 06_collaborative: "too slow: vectorize".

The notebook's experiments call the exercises on the whole ratings matrix
(943 users by 1,682 films) and for hundreds of users; a Python loop over
pairs of users, or over users or items, makes them take minutes. Whole-tensor
code runs a few dozen lines of Python whatever the size of the data (the
work happens inside PyTorch); a loop runs as many lines as it has
iterations. So the check counts the lines of the student's own Python (code
written in the notebook; libraries and this package are not counted) that
one call runs, and stops the call once the count passes the limit. Unlike a
timing, the count is the same on every machine and every run.
"""

import sys
from pathlib import Path

import course

__all__ = ["expect_vectorized"]

#: Code under these folders is not the student's: Python, the libraries, this package.
_NOT_STUDENT_CODE = tuple(
    str(Path(folder).resolve())
    for folder in {sys.prefix, sys.base_prefix, sys.exec_prefix, Path(course.__file__).parent}
)


class _TooManyLines(BaseException):
    """Raised inside the checked call once it has run too many lines (not an ``Exception``,
    so that a student's ``except Exception`` cannot swallow it)."""


def _student_lines(function, max_lines):
    """Call ``function()``; return how many lines of notebook code it ran (stops past the limit)."""
    counted = [0]
    students = {}

    def is_student(code):
        path = code.co_filename
        if path not in students:
            theirs = path.startswith(_NOT_STUDENT_CODE) or path.startswith("<frozen")
            students[path] = not theirs
        return students[path]

    def count(frame, event, _arg):
        if event == "line":
            counted[0] += 1
            if counted[0] > max_lines:
                raise _TooManyLines
        return count

    def enter(frame, _event, _arg):
        return count if is_student(frame.f_code) else None

    previous = sys.gettrace()
    sys.settrace(enter)
    try:
        function()
    except _TooManyLines:
        pass
    finally:
        sys.settrace(previous)
    return counted[0]


def expect_vectorized(function, call, max_lines, hint=""):
    """Fail unless ``function()`` runs at most ``max_lines`` lines of the student's Python.

    Whole-tensor code runs tens of lines on any data; a loop over the rows of
    the test's data runs hundreds or more, and is stopped as soon as it passes
    the limit.
    """
    __tracebackhide__ = True
    lines = _student_lines(function, max_lines)
    if lines > max_lines:
        message = (
            f"{call} ran more than {max_lines} lines of your Python (a loop over the data): "
            "too slow: vectorize."
        )
        raise AssertionError(f"{message} {hint}".strip())
