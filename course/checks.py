"""Argument checks shared by the reference code and the notebooks.

Each check raises an error that names the argument and says what was expected,
so that bad input never turns into a silently wrong answer. Students get this
module with the course; the solution cells call the same checks.
"""

import math

import torch

__all__ = [
    "require_finite",
    "require_float_tensor",
    "require_int_at_least",
    "require_int_tensor",
    "require_positive_number",
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


def require_positive_number(name, value):
    """Raise ValueError unless ``value`` is a finite real number > 0 (not a bool)."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def require_int_at_least(name, value, low):
    """Raise ValueError unless ``value`` is an int (not a bool) >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
