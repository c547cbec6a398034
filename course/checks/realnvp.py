"""Argument checks of 03_realnvp's exercises, beyond those of ``course.checks``: written once,
used by the answer key and offered to students in the notebook's set-up."""

from course.checks import (
    require_binary_mask,
    require_callable,
    require_finite,
    require_float_tensor,
    require_rank,
    require_shape,
)

__all__ = ["require_batch", "require_coupling", "require_network_outputs"]


def require_batch(name, value):
    """Raise unless ``value`` is a batch of points: a finite floating-point tensor ``(N, D)``.

    TypeError when it is not a floating-point tensor; ValueError when it does not
    have 2 dimensions or holds NaN or an infinity. The message names ``name``.
    """
    require_float_tensor(name, value)
    require_rank(name, value, 2, "(N, D)")
    require_finite(name, value)


def require_coupling(name, value, mask, s_net, t_net):
    """The argument checks of one coupling layer, in either direction.

    ``value`` (called ``name``: ``"x"`` going forward, ``"z"`` going back) must
    be a batch ``(N, D)`` (see :func:`require_batch`), ``mask`` a ``(D,)``
    tensor of 0s and 1s, and both networks callable.
    """
    require_batch(name, value)
    require_binary_mask("mask", mask, value.shape[1])
    require_callable("s_net", s_net)
    require_callable("t_net", t_net)


def require_network_outputs(name, value, s, t):
    """Raise unless the networks' outputs ``s`` and ``t`` are tensors of the shape of ``value``.

    A network that returned ``(N, 1)`` or ``(N,)`` would otherwise be broadcast
    silently into a wrong layer; the message names the call, ``s_net(mask * x)``.
    """
    require_shape(f"s_net(mask * {name})", s, value.shape)
    require_shape(f"t_net(mask * {name})", t, value.shape)
