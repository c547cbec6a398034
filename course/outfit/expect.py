"""Checks for 07_outfit's test cells: a completion, and how often the score was called.

Like ``course.testing``, each failure says in one sentence what was called,
what was expected, what came back, and a hint. Shipped to students.
"""

import torch

from course.testing import expect_tensor

__all__ = ["expect_calls", "expect_completion"]


def expect_completion(got, call, outfit, k, n_items, expected=None, hint=""):
    """Fail unless ``got`` is k distinct new catalogue items (and the set ``expected``, if given).

    ``got`` must be an int64 tensor (k,) of indices in ``0..n_items-1``, none
    repeated, none in ``outfit``; ``expected`` (indices, any order) is then
    compared as a set.
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
    """Fail unless the ``CallCounter`` ``counter`` was called at most ``limit`` times."""
    __tracebackhide__ = True
    if counter.calls > limit:
        message = (
            f"{call} called score_fn {counter.calls} times to score {counter.outfits} outfits; "
            f"at most {limit} batched calls are needed: too many calls: batch them."
        )
        raise AssertionError(f"{message} {hint}".strip())
