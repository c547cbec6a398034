"""Answer key of assignment 01_mulaw: mu-law companding and quantization.

The companding curve is the continuous mu-law of ITU-T G.711, as used by
WaveNet (van den Oord et al., 2016, section 2.2). The quantization follows the
documented formulas of ``torchaudio.functional.mu_law_encoding`` and
``mu_law_decoding``: ``n_levels`` codes ``0..n_levels-1``; code ``k`` stands for
the compressed value ``k / (n_levels - 1) * 2 - 1``; halves round up.

Each function is also the body of the solution cell of the same name in
``solutions/01_mulaw/mulaw.ipynb``; ``tests/test_reference_sync.py`` fails when
the two drift apart.
"""

import torch

from course.checks import (
    require_finite,
    require_float_tensor,
    require_int_at_least,
    require_int_tensor,
    require_positive_number,
    require_unit_range,
)

__all__ = ["dequantize", "mu_law_decode", "mu_law_encode", "quantize", "snr_db"]


def mu_law_encode(x, mu=255):
    """Compress amplitudes with the mu-law curve.

    y = sign(x) * ln(1 + mu * |x|) / ln(1 + mu)

    Args:
        x: floating-point tensor of any shape (...), every value in [-1, 1].
        mu: compression strength, a finite number > 0 (255 for 8-bit audio).

    Returns:
        Tensor of the same shape and dtype as ``x``, values in [-1, 1].

    Raises:
        TypeError: ``x`` is not a floating-point tensor.
        ValueError: ``x`` holds a value outside [-1, 1] or a non-finite one,
            or ``mu`` is not a finite number > 0.
    """
    require_float_tensor("x", x)
    require_positive_number("mu", mu)
    require_unit_range("x", x)
    mu = torch.tensor(float(mu), dtype=x.dtype)
    return torch.sign(x) * torch.log1p(mu * x.abs()) / torch.log1p(mu)


def mu_law_decode(y, mu=255):
    """Expand mu-law values back to amplitudes: the inverse of ``mu_law_encode``.

    x = sign(y) * ((1 + mu) ** |y| - 1) / mu

    Args:
        y: floating-point tensor of any shape (...), every value in [-1, 1].
        mu: the compression strength used to encode, a finite number > 0.

    Returns:
        Tensor of the same shape and dtype as ``y``, values in [-1, 1].

    Raises:
        TypeError: ``y`` is not a floating-point tensor.
        ValueError: ``y`` holds a value outside [-1, 1] or a non-finite one,
            or ``mu`` is not a finite number > 0.
    """
    require_float_tensor("y", y)
    require_positive_number("mu", mu)
    require_unit_range("y", y)
    mu = torch.tensor(float(mu), dtype=y.dtype)
    # expm1(a) = exp(a) - 1 keeps full precision for the small values near 0.
    return torch.sign(y) * torch.expm1(y.abs() * torch.log1p(mu)) / mu


def quantize(y, n_levels=256):
    """Map values in [-1, 1] to integer codes ``0..n_levels-1`` (torchaudio's rule).

    q = floor((y + 1) / 2 * (n_levels - 1) + 0.5)

    Args:
        y: floating-point tensor of any shape (...), every value in [-1, 1].
        n_levels: number of codes, an int >= 2 (256 for 8 bits).

    Returns:
        int64 tensor of the same shape as ``y``: -1 maps to 0, 1 maps to
        ``n_levels - 1``, and exact halves round up.

    Raises:
        TypeError: ``y`` is not a floating-point tensor.
        ValueError: ``y`` holds a value outside [-1, 1] or a non-finite one,
            or ``n_levels`` is not an int >= 2.
    """
    require_float_tensor("y", y)
    require_int_at_least("n_levels", n_levels, 2)
    require_unit_range("y", y)
    if y.dtype in (torch.float16, torch.bfloat16):
        y = y.float()  # half precision cannot even hold n_levels - 1 + 0.5 exactly
    codes = torch.floor((y + 1) / 2 * (n_levels - 1) + 0.5).to(torch.int64)
    # For n_levels beyond the dtype's integer precision (2**24 in float32),
    # n_levels - 1 + 0.5 can round up to n_levels: keep the top code in range.
    return codes.clamp(0, n_levels - 1)


def dequantize(q, n_levels=256):
    """Map integer codes back to the values in [-1, 1] that they stand for.

    y = q / (n_levels - 1) * 2 - 1

    Args:
        q: integer tensor of any shape (...), every code in 0..n_levels-1.
        n_levels: number of codes, an int >= 2.

    Returns:
        Tensor of the same shape, of PyTorch's default float dtype.

    Raises:
        TypeError: ``q`` is not an integer tensor.
        ValueError: a code lies outside 0..n_levels-1, or ``n_levels`` is not
            an int >= 2.
    """
    require_int_tensor("q", q)
    require_int_at_least("n_levels", n_levels, 2)
    # Compare as Python ints: n_levels - 1 may not fit in q's own dtype (int8, say).
    if q.numel() and (int(q.min()) < 0 or int(q.max()) > n_levels - 1):
        low, high = q.min().item(), q.max().item()
        raise ValueError(f"q must hold codes in 0..{n_levels - 1}, got codes from {low} to {high}")
    return q.to(torch.get_default_dtype()) / (n_levels - 1) * 2 - 1


def snr_db(clean, noisy):
    """Signal-to-noise ratio in decibels, one value per signal (last dimension).

    SNR = 10 * log10(sum_t clean_t ** 2 / sum_t (noisy_t - clean_t) ** 2)

    Args:
        clean: floating-point tensor (..., T), the reference signal.
        noisy: floating-point tensor (..., T), the same signal with noise.

    Returns:
        Tensor of shape (...): a 0-d tensor for 1-D input, one value per row
        for (B, T). ``inf`` where ``noisy`` equals ``clean`` exactly, ``-inf`` where ``clean``
        is silent and ``noisy`` is not, ``nan`` where both are silent.

    Raises:
        TypeError: an argument is not a floating-point tensor.
        ValueError: the shapes differ, the last dimension is empty, or a value
            is not finite.
    """
    require_float_tensor("clean", clean)
    require_float_tensor("noisy", noisy)
    if clean.shape != noisy.shape:
        raise ValueError(
            "clean and noisy must have the same shape, "
            f"got {tuple(clean.shape)} and {tuple(noisy.shape)}"
        )
    if clean.dim() == 0 or clean.shape[-1] == 0:
        raise ValueError(
            "clean and noisy need at least one sample in their last dimension, "
            f"got shape {tuple(clean.shape)}"
        )
    require_finite("clean", clean)
    require_finite("noisy", noisy)
    signal_power = clean.pow(2).sum(dim=-1)
    noise_power = (noisy - clean).pow(2).sum(dim=-1)
    return 10 * torch.log10(signal_power / noise_power)
