"""Answer key of assignment 03_realnvp: change of variables and Real-NVP coupling layers.

The coupling layer is the affine coupling of Dinh, Sohl-Dickstein and Bengio
(2017), "Density estimation using Real NVP", in its masked form (their
section 3.4): with a binary mask ``b``,

    z = b * x + (1 - b) * (x * exp(s(b * x)) + t(b * x)),

whose Jacobian is triangular up to a permutation of the coordinates, so that
``log|det dz/dx|`` is the sum of ``s`` over the transformed coordinates (the
ones where ``b = 0``). The flow's density follows from the change-of-variables
theorem with a standard normal base density.

Each function is also the body of the solution cell of the same name in
``solutions/03_realnvp/realnvp.ipynb``; ``tests/test_reference_sync.py`` fails
when the two drift apart. The argument checks are written once, in
``course.realnvp`` (``require_batch``, ``require_coupling``,
``require_network_outputs``), which the notebook's set-up cell imports too.
"""

import math

import torch

from course.checks.realnvp import (
    require_batch,
    require_coupling,
    require_network_outputs,
)

__all__ = [
    "affine_coupling_forward",
    "affine_coupling_inverse",
    "flow_log_prob",
    "standard_normal_log_prob",
]


def standard_normal_log_prob(z):
    """Log-density of the standard normal N(0, I) in D dimensions, one value per sample.

    log N(z; 0, I) = -1/2 * sum_j z_j ** 2 - D/2 * log(2 pi)

    Args:
        z: floating-point tensor of shape (N, D), finite.

    Returns:
        Tensor of shape (N,), the same dtype as ``z``.

    Raises:
        TypeError: ``z`` is not a floating-point tensor.
        ValueError: ``z`` does not have 2 dimensions, or holds NaN or an infinity.
    """
    require_batch("z", z)
    dim = z.shape[1]
    return -0.5 * z.pow(2).sum(dim=1) - 0.5 * dim * math.log(2 * math.pi)


def affine_coupling_forward(x, mask, s_net, t_net):
    """One affine coupling layer in the direction x -> z, and its log-determinant.

    z = mask * x + (1 - mask) * (x * exp(s) + t),   s = s_net(mask * x),  t = t_net(mask * x)
    log_det = sum_j (1 - mask_j) * s_j  = log |det dz/dx|

    Args:
        x: floating-point tensor of shape (N, D), finite.
        mask: tensor of shape (D,) of 0s and 1s; 1 = the coordinate passes
            through unchanged and is what ``s_net`` and ``t_net`` see.
        s_net: callable (N, D) -> (N, D), the log-scale.
        t_net: callable (N, D) -> (N, D), the translation.

    Returns:
        ``(z, log_det)``: ``z`` of shape (N, D) and ``log_det`` of shape (N,),
        both of the dtype of ``x``.

    Raises:
        TypeError: ``x`` is not a floating-point tensor, ``mask`` not a tensor,
            or a network not callable.
        ValueError: ``x`` is not (N, D) or not finite, ``mask`` is not of shape
            (D,) or holds a value other than 0 and 1, or a network's output is
            not of shape (N, D).
    """
    require_coupling("x", x, mask, s_net, t_net)
    mask = mask.to(x.dtype)
    x_kept = mask * x
    s = s_net(x_kept)
    t = t_net(x_kept)
    require_network_outputs("x", x, s, t)
    z = x_kept + (1 - mask) * (x * torch.exp(s) + t)
    log_det = ((1 - mask) * s).sum(dim=1)
    return z, log_det


def affine_coupling_inverse(z, mask, s_net, t_net):
    """The exact inverse of ``affine_coupling_forward``: from z back to x.

    x = mask * z + (1 - mask) * (z - t) * exp(-s),   s = s_net(mask * z),  t = t_net(mask * z)

    (``mask * z`` equals ``mask * x``, so the networks see what they saw going forward.)

    Args:
        z: floating-point tensor of shape (N, D), finite.
        mask: tensor of shape (D,) of 0s and 1s, the mask of the forward layer.
        s_net: callable (N, D) -> (N, D), the log-scale of the forward layer.
        t_net: callable (N, D) -> (N, D), the translation of the forward layer.

    Returns:
        ``x``, a tensor of shape (N, D) and the dtype of ``z``; differentiable
        with respect to ``z`` and the networks' parameters.

    Raises:
        TypeError: ``z`` is not a floating-point tensor, ``mask`` not a tensor,
            or a network not callable.
        ValueError: ``z`` is not (N, D) or not finite, ``mask`` is not of shape
            (D,) or holds a value other than 0 and 1, or a network's output is
            not of shape (N, D).
    """
    require_coupling("z", z, mask, s_net, t_net)
    mask = mask.to(z.dtype)
    z_kept = mask * z
    s = s_net(z_kept)
    t = t_net(z_kept)
    require_network_outputs("z", z, s, t)
    return z_kept + (1 - mask) * ((z - t) * torch.exp(-s))


def flow_log_prob(x, flow):
    """Log-density of a flow of coupling layers, by the change-of-variables theorem.

    z_0 = x,  (z_k, log_det_k) = affine_coupling_forward(z_{k-1}, *layer_k),  z = z_K
    log p(x) = standard_normal_log_prob(z) + sum_k log_det_k

    Args:
        x: floating-point tensor of shape (N, D), finite.
        flow: the layers in the direction x -> z, an iterable of
            ``(mask, s_net, t_net)`` triples: a list of triples, or a
            ``course.realnvp.RealNVP`` (iterating over it yields its
            triples). An empty flow is the identity: log p(x) = log N(x; 0, I).

    Returns:
        Tensor of shape (N,), the dtype of ``x``; differentiable with respect
        to ``x`` and the networks' parameters.

    Raises:
        TypeError: ``x`` is not a floating-point tensor.
        ValueError: ``x`` is not (N, D) or not finite (and whatever
            ``affine_coupling_forward`` raises for a bad layer).
    """
    require_batch("x", x)
    z = x
    total_log_det = torch.zeros(x.shape[0], dtype=x.dtype)
    for mask, s_net, t_net in flow:
        z, log_det = affine_coupling_forward(z, mask, s_net, t_net)
        total_log_det = total_log_det + log_det
    return standard_normal_log_prob(z) + total_log_det
