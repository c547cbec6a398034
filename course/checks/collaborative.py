"""Argument checks of 06_collaborative's exercises, beyond those of ``course.checks``."""

import torch

from course.checks import require_int_tensor, require_number, require_rank

__all__ = ["require_top_k_inputs"]


def require_top_k_inputs(recommended, relevant, k):
    """The checks that precision@k and recall@k share.

    Raises TypeError unless ``recommended`` is an integer tensor and
    ``relevant`` a bool tensor; ValueError unless both are 2-D with one row
    per user, and ``k`` is an int in ``1..m`` for ``m`` recommended per user.
    """
    require_int_tensor("recommended", recommended)
    if not isinstance(relevant, torch.Tensor) or relevant.dtype != torch.bool:
        got = relevant.dtype if isinstance(relevant, torch.Tensor) else type(relevant).__name__
        raise TypeError(f"relevant must be a bool torch.Tensor (users, items), got {got}")
    require_rank("recommended", recommended, 2, "(users, m)")
    require_rank("relevant", relevant, 2, "(users, items)")
    if len(recommended) != len(relevant):
        raise ValueError(
            f"recommended and relevant must have one row per user, got {len(recommended)} "
            f"and {len(relevant)} rows"
        )
    require_number("k", k, integer=True, low=1, high=recommended.shape[1])
