"""Argument checks of 07_outfit's exercises, beyond those of ``course.checks``.

The completion methods share one problem statement (a score function, an
outfit, a catalogue, k); :func:`require_completion_problem` checks it once
for all of them, with a message that names what is wrong.
"""

import torch

from course.checks import (
    require_callable,
    require_finite_tensors,
    require_float_tensor,
    require_int_tensor,
    require_number,
    require_rank,
)

__all__ = [
    "RHOS",
    "require_catalog",
    "require_completion_problem",
    "require_rho",
    "require_vectors_and_catalog",
]

#: The distances rho of the relaxation and of the GNN: L1, L2, L10 and cosine distance.
RHOS = ("l1", "l2", "l10", "cos")


def require_catalog(catalog):
    """TypeError unless ``catalog`` is a floating-point tensor; ValueError unless (N, d) and finite.

    Checked on every call of every method, so the finiteness test is the cheap
    one: ``0 * x`` is 0 for a finite x and NaN for an infinity or a NaN, and a
    sum of zeros is 0 (a tenth of the time of ``torch.isfinite(x).all()`` on a
    5,000-item catalogue, where the GNN's whole completion takes a millisecond).
    """
    require_float_tensor("catalog", catalog)
    require_rank("catalog", catalog, 2, "(N, d)")
    if torch.isnan((catalog * 0).sum()):
        raise ValueError("catalog must hold finite values only, got NaN or infinity")


def require_completion_problem(score_fn, outfit, catalog, k):
    """The checks that every completion method shares.

    Raises TypeError unless ``score_fn`` is callable, ``catalog`` a
    floating-point tensor and ``outfit`` an integer tensor; ValueError unless
    ``catalog`` is (N, d) and finite, ``outfit`` is 1-D with at least one
    item, its indices are distinct and in ``0..N-1``, and ``k`` is an int in
    ``1..N - n``: enough items are left to add.
    """
    require_callable("score_fn", score_fn)
    require_catalog(catalog)
    require_int_tensor("outfit", outfit)
    require_rank("outfit", outfit, 1, "(n,)")
    if len(outfit) == 0:
        raise ValueError("outfit must hold at least one item, got an empty tensor")
    if outfit.min() < 0 or outfit.max() >= len(catalog):
        raise ValueError(
            f"outfit must hold catalogue indices in 0..{len(catalog) - 1}, got {outfit.tolist()}"
        )
    if len(torch.unique(outfit)) != len(outfit):
        raise ValueError(f"outfit must hold distinct items, got {outfit.tolist()}")
    require_number("k", k, integer=True, low=1, high=len(catalog) - len(outfit))


def require_rho(rho):
    """Raise ValueError unless ``rho`` names one of the distances :data:`RHOS`."""
    if rho not in RHOS:
        raise ValueError(f"rho must be one of {', '.join(RHOS)}, got {rho!r}")


def require_vectors_and_catalog(vectors, catalog):
    """TypeError or ValueError unless ``vectors`` (m, d) and ``catalog`` (N >= 1, d) are finite."""
    require_finite_tensors(vectors=vectors)
    require_rank("vectors", vectors, 2, "(m, d)")
    require_catalog(catalog)
    if vectors.shape[1] != catalog.shape[1] or len(catalog) == 0:
        raise ValueError(
            f"vectors (m, d) and catalog (N >= 1, d) must share d, got {tuple(vectors.shape)} "
            f"and {tuple(catalog.shape)}"
        )
