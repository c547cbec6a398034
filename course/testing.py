"""Checks for the notebooks' test cells that explain a failure in one sentence.

A failed check raises ``AssertionError`` whose message names the call that was
tested, what was expected and what came back, plus a hint at the usual mistake
when the test cell knows one. Shipped to students with the notebooks.
"""

import sys
from pathlib import Path

import torch

import course

__all__ = [
    "describe",
    "expect_calls",
    "expect_close",
    "expect_completion",
    "expect_equal",
    "expect_raises",
    "expect_tensor",
    "expect_vectorized",
]


def describe(value, max_items=6):
    """A short printable form of a tensor or other value for failure messages."""
    if isinstance(value, torch.Tensor):
        flat = value.detach().flatten().tolist()
        shown = ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in flat[:max_items])
        more = ", ..." if len(flat) > max_items else ""
        return f"tensor([{shown}{more}], shape={tuple(value.shape)}, dtype={value.dtype})"
    return repr(value)


def expect_tensor(got, call, shape=None, dtype=None, floating=None):
    """Fail unless ``got`` is a tensor with the given shape, dtype or float-ness."""
    __tracebackhide__ = True  # IPython and pytest show the caller's line, not this one
    if type(got) is not torch.Tensor:  # a subclass could override comparisons
        raise AssertionError(f"{call} should return a torch.Tensor, got {type(got).__name__}.")
    if shape is not None and tuple(got.shape) != tuple(shape):
        raise AssertionError(f"{call} should return shape {tuple(shape)}, got {tuple(got.shape)}.")
    if dtype is not None and got.dtype != dtype:
        raise AssertionError(f"{call} should return dtype {dtype}, got {got.dtype}.")
    if floating is True and not got.is_floating_point():
        raise AssertionError(f"{call} should return a floating-point tensor, got {got.dtype}.")


def expect_close(got, expected, call, atol=1e-6, rtol=1e-5, hint=""):
    """Fail unless ``got`` matches ``expected`` in shape and within tolerances.

    Infinities must match exactly (same sign, same places); NaN never matches.
    """
    __tracebackhide__ = True
    expected = torch.as_tensor(expected)
    expect_tensor(got, call, shape=expected.shape)
    got64, expected64 = got.detach().to(torch.float64), expected.to(torch.float64)
    if not torch.allclose(got64, expected64, atol=atol, rtol=rtol, equal_nan=False):
        gap = (got64 - expected64).abs().nan_to_num(nan=float("inf")).max().item()
        message = (
            f"{call} should be {describe(expected)}, got {describe(got)} "
            f"(largest difference {gap:.3g})."
        )
        raise AssertionError(f"{message} {hint}".strip())


def expect_equal(got, expected, call, hint=""):
    """Fail unless ``got`` equals ``expected`` exactly (values and shape)."""
    __tracebackhide__ = True
    expected = torch.as_tensor(expected)
    expect_tensor(got, call, shape=expected.shape)
    if not torch.equal(got.detach().to(expected.dtype), expected):
        message = f"{call} should be {describe(expected)}, got {describe(got)}."
        raise AssertionError(f"{message} {hint}".strip())


def expect_raises(error, function, call, hint=""):
    """Fail unless calling ``function()`` raises ``error``; ``hint`` is added to the message."""
    __tracebackhide__ = True
    try:
        result = function()
    except error:
        return
    except NotImplementedError:  # the released stub: say so, not "wrong error"
        raise NotImplementedError(
            f"{call}: the function is not written yet (it still raises NotImplementedError); "
            "write it above, run its cell, then run this test again."
        ) from None
    except Exception as other:  # a different error is a failure with its own message
        raised = f"{type(other).__name__}: {other}"
        message = f"{call} should raise {error.__name__}, but raised {raised}"
        raise AssertionError(f"{message} {hint}".strip()) from None
    message = f"{call} should raise {error.__name__}, but returned {describe(result)}."
    raise AssertionError(f"{message} {hint}".strip())


def expect_completion(got, call, outfit, k, n_items, expected=None, hint=""):
    """Fail unless ``got`` is k distinct new catalogue items (and the set ``expected``, if given).

    ``got`` must be an int64 tensor (k,) of indices in ``0..n_items-1``, none
    repeated, none in ``outfit``; ``expected`` (indices, any order) is then
    compared as a set. For 07_outfit's completion methods.
    """
    __tracebackhide__ = True
    expect_tensor(got, call, shape=(k,), dtype=torch.int64)
    items = got.tolist()
    if min(items, default=0) < 0 or max(items, default=0) >= n_items:
        raise AssertionError(
            f"{call} returned {items}: not indices of the catalogue (0..{n_items - 1}). "
            "Return catalogue indices, not positions in your list of candidates."
        )
    if len(set(items)) != len(items):
        raise AssertionError(
            f"{call} returned {items}, which adds an item twice: the k items must be distinct. "
            "Remove each pick from the candidates."
        )
    inside = sorted(set(items) & set(outfit.tolist()))
    if inside:
        raise AssertionError(
            f"{call} returned {items}, but {inside} already in the outfit {outfit.tolist()}: "
            "candidates are the catalogue items not in the outfit."
        )
    if expected is not None and sorted(items) != sorted(int(i) for i in expected):
        message = f"{call} should add the items {sorted(int(i) for i in expected)}, got {items}."
        raise AssertionError(f"{message} {hint}".strip())


def expect_calls(counter, limit, call, hint=""):
    """Fail unless ``counter`` (a call counter with ``.calls`` and ``.outfits``, such as
    07_outfit's ``CallCounter``) was called at most ``limit`` times."""
    __tracebackhide__ = True
    if counter.calls > limit:
        message = (
            f"{call} called score_fn {counter.calls} times to score {counter.outfits} outfits; "
            f"at most {limit} batched calls are needed: too many calls: batch them."
        )
        raise AssertionError(f"{message} {hint}".strip())


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

    "Too slow: vectorize", decided the same way on every machine: the lines of
    the student's own code (written in the notebook; Python's, the libraries'
    and this package's lines do not count) that one call runs are counted, and
    the call is stopped once the count passes the limit. Whole-tensor code
    runs a few dozen lines whatever the size of the data; a loop over the rows
    of the test's data runs at least a line per row.
    """
    __tracebackhide__ = True
    lines = _student_lines(function, max_lines)
    if lines > max_lines:
        message = (
            f"{call} ran more than {max_lines} lines of your Python (a loop over the data): "
            "too slow: vectorize."
        )
        raise AssertionError(f"{message} {hint}".strip())
