"""Argument checks shared by the reference code and the notebooks.

Each check raises an error that names the argument and says what was expected,
so that bad input never turns into a silently wrong answer. Students get this
package with the course; the solution cells call the same checks. This module
holds the checks every topic uses; a topic's own checks, built from them, are
in ``course/checks/<topic>.py`` (``realnvp``, ``perceptual``, ``collaborative``,
``outfit``), one layout for all.
"""

import math

import torch

__all__ = [
    "require_binary_mask",
    "require_callable",
    "require_finite",
    "require_finite_tensors",
    "require_float_tensor",
    "require_index",
    "require_int_at_least",
    "require_int_tensor",
    "require_nonnegative_number",
    "require_number",
    "require_positive_number",
    "require_probabilities",
    "require_rank",
    "require_same_shape",
    "require_shape",
    "require_unit_range",
]


def require_float_tensor(name, value):
    """Raise TypeError unless ``value`` is a floating-point ``torch.Tensor``."""
    if not isinstance(value, torch.Tensor) or not value.is_floating_point():
        got = value.dtype if isinstance(value, torch.Tensor) else type(value).__name__
        raise TypeError(f"{name} must be a floating-point torch.Tensor, got {got}")


def require_int_tensor(name, value):
    """Raise TypeError unless ``value`` is a ``torch.Tensor`` of integers (not bool)."""
    is_int = (
        isinstance(value, torch.Tensor)
        and not value.is_floating_point()
        and not value.is_complex()
        and value.dtype != torch.bool
    )
    if not is_int:
        got = value.dtype if isinstance(value, torch.Tensor) else type(value).__name__
        raise TypeError(f"{name} must be a torch.Tensor of integer codes, got {got}")


def require_finite(name, value):
    """Raise ValueError if the tensor ``value`` holds NaN or an infinity."""
    if not torch.isfinite(value).all():
        raise ValueError(f"{name} must hold finite values only, got NaN or infinity")


def require_unit_range(name, value):
    """Raise ValueError unless every value of the tensor is finite and in [-1, 1]."""
    require_finite(name, value)
    if value.numel() and value.abs().max() > 1:
        peak = value.abs().max().item()
        raise ValueError(f"{name} must lie in [-1, 1], got a value of magnitude {peak:.6g}")


def require_number(name, value, *, integer=False, low=None, high=None, strict_low=False):
    """Raise ValueError unless ``value`` is a finite real number in a range: the one number check.

    ``integer`` asks for an ``int``; ``low`` and ``high`` bound it (``low``
    excluded when ``strict_low``). A bool is never a number here, and the
    message names the argument and what it must be: ``require_number("k", 0,
    integer=True, low=1)`` raises "k must be an int >= 1, got 0".
    """
    kind = "an int" if integer else "a finite number"
    if low is not None and high is not None:
        if integer and not strict_low:
            kind += f" in {low}..{high}"
        else:
            kind += f" in {'(' if strict_low else '['}{low}, {high}]"
    elif low is not None:
        kind += f" {'>' if strict_low else '>='} {low}"
    elif high is not None:
        kind += f" <= {high}"
    is_number = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    ok = is_number and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if strict_low else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        raise ValueError(f"{name} must be {kind}, got {value!r}")


def require_positive_number(name, value):
    """Raise ValueError unless ``value`` is a finite real number > 0 (not a bool)."""
    require_number(name, value, low=0, strict_low=True)


def require_nonnegative_number(name, value):
    """Raise ValueError unless ``value`` is a finite real number >= 0 (not a bool)."""
    require_number(name, value, low=0)


def require_int_at_least(name, value, low):
    """Raise ValueError unless ``value`` is an int (not a bool) >= ``low``."""
    require_number(name, value, integer=True, low=low)


def require_index(name, value, size):
    """Raise ValueError unless ``value`` is an int in ``0..size-1``: an index into ``size`` rows."""
    require_number(name, value, integer=True, low=0, high=size - 1)


def require_finite_tensors(**tensors):
    """For each ``name=value``: TypeError unless a floating-point tensor, ValueError unless finite.

    ``require_finite_tensors(mu=mu, logvar=logvar)`` checks both, in that order.
    """
    for name, value in tensors.items():
        require_float_tensor(name, value)
        require_finite(name, value)


def require_same_shape(name, value, other_name, other):
    """Raise ValueError unless the tensor ``value`` has the shape of the tensor ``other``."""
    if value.shape != other.shape:
        raise ValueError(
            f"{name} must have the shape of {other_name}, {tuple(other.shape)}, "
            f"got {tuple(value.shape)}"
        )


def require_probabilities(name, value):
    """Raise ValueError unless every value of the tensor is finite and in [0, 1]."""
    require_finite(name, value)
    if value.numel() and (value.min() < 0 or value.max() > 1):
        low, high = value.min().item(), value.max().item()
        raise ValueError(f"{name} must lie in [0, 1], got values from {low:.6g} to {high:.6g}")


def require_rank(name, value, rank, layout=""):
    """Raise ValueError unless the tensor ``value`` has ``rank`` dimensions.

    ``layout`` (say ``"(N, D)"``) is shown in the message to say what the dimensions mean.
    """
    if value.dim() != rank:
        described = f" {layout}" if layout else ""
        raise ValueError(
            f"{name} must have {rank} dimensions{described}, got shape {tuple(value.shape)}"
        )


def require_shape(name, value, shape):
    """Raise TypeError unless ``value`` is a tensor, ValueError unless its shape is ``shape``."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(value.shape)}")


def require_binary_mask(name, mask, size):
    """Raise unless ``mask`` is a tensor of shape ``(size,)`` holding only 0s and 1s.

    TypeError when it is not a real-valued or boolean tensor; ValueError for the
    wrong shape or a value other than 0 and 1 (NaN included).
    """
    if not isinstance(mask, torch.Tensor) or mask.is_complex():
        got = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise TypeError(f"{name} must be a torch.Tensor of 0s and 1s, got {got}")
    if tuple(mask.shape) != (size,):
        raise ValueError(f"{name} must have shape ({size},), got {tuple(mask.shape)}")
    if not ((mask == 0) | (mask == 1)).all():
        values = sorted({float(v) for v in mask.flatten().tolist()})
        raise ValueError(f"{name} must hold only 0s and 1s, got the values {values}")


def require_callable(name, value):
    """Raise TypeError unless ``value`` can be called (a function or an ``nn.Module``)."""
    if not callable(value):
        raise TypeError(
            f"{name} must be callable (a function or a torch.nn.Module), got {type(value).__name__}"
        )
