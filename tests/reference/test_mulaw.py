"""Oracle tests for ``course/reference/mulaw.py``.

torchaudio cannot be installed here, so the oracle is torchaudio's documented
mu-law formulas, re-implemented below as two private helpers. Everything else is
checked against values derived by hand (with the ``math`` module) or against
properties that follow from the definitions: inverse pairs, monotonicity, odd
symmetry, a derived error bound for the quantized round trip, and the argument
checks promised by the docstrings.
"""

import contextlib
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course.reference.mulaw import dequantize, mu_law_decode, mu_law_encode, quantize, snr_db

CHANNELS = (2, 16, 256, 1024)
FLOAT_DTYPES = (torch.float32, torch.float64)
HYPOTHESIS = settings(deadline=None, max_examples=200, derandomize=True)


# --- Oracle --------------------------------------------------------------------------------------
# Source: torchaudio's documentation of
#   torchaudio.functional.mu_law_encoding(x, quantization_channels)
#   https://pytorch.org/audio/stable/generated/torchaudio.functional.mu_law_encoding.html
#   torchaudio.functional.mu_law_decoding(x_mu, quantization_channels)
#   https://pytorch.org/audio/stable/generated/torchaudio.functional.mu_law_decoding.html
# and the source those pages link to (torchaudio/functional/functional.py). The two helpers
# below are written independently from those documented formulas, step for step in the same
# order, so that float rounding matches torchaudio's: mu = quantization_channels - 1.0 as a
# tensor of the input's dtype; encode then scale to codes with "+ 0.5" and an int64 cast;
# decode with exp(.) - 1 (torchaudio does not use expm1).


def _ta_mu_law_encoding(x, quantization_channels):
    """torchaudio's mu_law_encoding: floats in [-1, 1] -> int64 codes 0..channels-1."""
    mu = torch.tensor(quantization_channels - 1.0, dtype=x.dtype)
    x_mu = torch.sign(x) * torch.log1p(mu * torch.abs(x)) / torch.log1p(mu)
    return ((x_mu + 1) / 2 * mu + 0.5).to(torch.int64)


def _ta_mu_law_decoding(x_mu, quantization_channels):
    """torchaudio's mu_law_decoding: codes 0..channels-1 -> floats in [-1, 1]."""
    if not x_mu.is_floating_point():
        x_mu = x_mu.to(torch.float)
    mu = torch.tensor(quantization_channels - 1.0, dtype=x_mu.dtype)
    x = x_mu / mu * 2 - 1.0
    return torch.sign(x) * (torch.exp(torch.abs(x) * torch.log1p(mu)) - 1.0) / mu


# --- Helpers -------------------------------------------------------------------------------------


@contextlib.contextmanager
def _default_dtype(dtype):
    """Temporarily set torch's default float dtype (dequantize returns it)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def _uniform(n, dtype, seed, low=-1.0, high=1.0):
    """``n`` seeded uniform samples in [low, high] of the given dtype."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, generator=generator, dtype=dtype) * (high - low) + low


def _mismatch(inputs, expected, got, bad):
    """Describe where the boolean mask ``bad`` is set: count, then first input/expected/got."""
    index = int(bad.flatten().nonzero()[0])
    return (
        f"{int(bad.sum())} of {bad.numel()} elements wrong; first: "
        f"input {inputs.flatten()[index].item()!r}, "
        f"expected {expected.flatten()[index].item()!r}, got {got.flatten()[index].item()!r}"
    )


# --- 1. Known values -----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_known_codes_of_minus_one_zero_one(dtype):
    """x = -1, 0, 1 are coded 0, 128, 255 by quantize(mu_law_encode(x)) at 8 bits."""
    x = torch.tensor([-1.0, 0.0, 1.0], dtype=dtype)
    expected = torch.tensor([0, 128, 255])
    got = quantize(mu_law_encode(x))
    assert torch.equal(got, expected), f"input {x.tolist()}: expected {expected}, got {got}"


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_known_value_of_encode_at_one_half(dtype):
    """mu_law_encode(0.5) equals log1p(127.5) / log1p(255) computed with the math module."""
    expected = math.log1p(127.5) / math.log1p(255)
    got = mu_law_encode(torch.tensor(0.5, dtype=dtype)).item()
    # float64: two ulps allow for a libm log1p that is not correctly rounded (glibc's gives
    # bit-equality here). float32: one rounding of the exact value, plus a few float32 ulps.
    tolerance = 2 * math.ulp(expected) if dtype == torch.float64 else 4 * 2.0**-24
    assert abs(got - expected) <= tolerance, f"input 0.5 ({dtype}): expected {expected}, got {got}"


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("x, expected", [(1.0, 1.0), (-1.0, -1.0), (0.0, 0.0)])
def test_known_exact_values_of_encode(dtype, x, expected):
    """mu_law_encode maps 1, -1 and 0 to exactly 1, -1 and 0."""
    got = mu_law_encode(torch.tensor(x, dtype=dtype)).item()
    assert got == expected, f"input {x} ({dtype}): expected {expected} exactly, got {got!r}"


# --- 2. and 3. Oracle: torchaudio's documented formulas ------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("channels", CHANNELS)
def test_encode_then_quantize_equals_torchaudio_encoding(dtype, channels):
    """quantize(mu_law_encode(x, n-1), n) equals torchaudio's mu_law_encoding bit for bit."""
    special = torch.tensor([-1.0, -0.5, -0.0, 0.0, 0.5, 1.0], dtype=dtype)
    x = torch.cat([_uniform(1_000_000, dtype, seed=channels), special])
    expected = _ta_mu_law_encoding(x, channels)
    got = quantize(mu_law_encode(x, mu=channels - 1), n_levels=channels)
    assert torch.equal(got, expected), _mismatch(x, expected, got, got != expected)


@pytest.mark.parametrize(
    "default_dtype, rtol, atol", [(torch.float32, 1e-6, 1e-7), (torch.float64, 1e-13, 1e-15)]
)
@pytest.mark.parametrize("channels", CHANNELS)
def test_dequantize_then_decode_matches_torchaudio_decoding(channels, default_dtype, rtol, atol):
    """mu_law_decode(dequantize(q, n), n-1) matches torchaudio's mu_law_decoding on every code."""
    codes = torch.arange(channels)
    with _default_dtype(default_dtype):
        got = mu_law_decode(dequantize(codes, n_levels=channels), mu=channels - 1)
    # torchaudio casts integer codes to torch.float; cast to the default dtype ourselves.
    expected = _ta_mu_law_decoding(codes.to(default_dtype), channels)
    assert got.dtype == default_dtype, f"input codes 0..{channels - 1}: dtype {got.dtype}"
    bad = ~torch.isclose(got, expected, rtol=rtol, atol=atol)
    assert not bad.any(), _mismatch(codes, expected, got, bad)


# --- 4. and 5. Round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype, atol", [(torch.float32, 1e-6), (torch.float64, 1e-12)])
@pytest.mark.parametrize("mu", [1, 15, 87.6, 255, 65535])
def test_round_trip_without_quantization(dtype, atol, mu):
    """mu_law_decode(mu_law_encode(x, mu), mu) returns x to within float rounding."""
    special = torch.tensor([-1.0, -1e-30, 0.0, 1e-30, 1.0], dtype=dtype)
    x = torch.cat([_uniform(100_000, dtype, seed=4), special])
    got = mu_law_decode(mu_law_encode(x, mu), mu)
    bad = (got - x).abs() > atol
    assert not bad.any(), _mismatch(x, x, got, bad)


# Error bound of the quantized round trip x -> y = f(x) -> q -> y_hat -> x_hat = g(y_hat).
# quantize rounds (y + 1)/2*(n-1) to the nearest integer, so on the compressed axis the codes are
# 2/(n-1) apart and |y_hat - y| <= 1/(n-1), half a step. The expansion
#     g(y) = sign(y) * ((1 + mu)^|y| - 1) / mu
# is continuously differentiable (also at 0), with |g'(y)| = ln(1 + mu) * (1 + mu)^|y| / mu,
# which increases with |y|. By the mean value theorem |x_hat - x| = |g'(xi)| * |y_hat - y| for
# some xi between y and y_hat, and |xi| <= min(1, |y| + 1/(n-1)) since both lie in [-1, 1]. Hence
#     |x_hat - x| <= ln(1 + mu) / mu * (1 + mu)^min(1, |y| + 1/(n-1)) / (n-1).
# Near x = 0 this is about ln(256)/255/255 ~ 8.5e-5 for n = 256, mu = 255, far below the 1/255
# half step of 8-bit linear quantization: small amplitudes get the fine steps.
ROUND_TRIP_SLACK = {torch.float32: 1e-6, torch.float64: 1e-12}


def _round_trip_bound(y, n_levels, mu):
    """The per-sample bound derived above, computed in float64 from the compressed value y."""
    exponent = torch.clamp(y.double().abs() + 1 / (n_levels - 1), max=1.0)
    return math.log1p(mu) / mu * (1 + mu) ** exponent / (n_levels - 1)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_round_trip_with_quantization_obeys_derived_bound(dtype):
    """|decode(dequantize(quantize(encode(x)))) - x| obeys the derived per-sample bound."""
    n_levels, mu = 256, 255
    special = torch.tensor([-1.0, 0.0, 1.0], dtype=dtype)
    x = torch.cat([_uniform(200_000, dtype, seed=5), special])
    with _default_dtype(dtype):
        y = mu_law_encode(x, mu)
        x_hat = mu_law_decode(dequantize(quantize(y, n_levels), n_levels), mu)
    error = (x_hat.double() - x.double()).abs()
    bound = _round_trip_bound(y, n_levels, mu) + ROUND_TRIP_SLACK[dtype]
    bad = error > bound
    assert not bad.any(), _mismatch(x, bound, error, bad) + " (expected = bound, got = error)"


def test_quantized_round_trip_is_fine_near_zero():
    """Near x = 0 the 8-bit mu-law error is far below 8-bit linear quantization's half step."""
    x = torch.cat([_uniform(100_000, torch.float64, seed=6, low=-0.01, high=0.01), torch.zeros(1)])
    with _default_dtype(torch.float64):
        mu_law_error = mu_law_decode(dequantize(quantize(mu_law_encode(x)))) - x
        linear_error = dequantize(quantize(x)) - x
    worst_mu_law = mu_law_error.abs().max().item()
    worst_linear = linear_error.abs().max().item()
    linear_half_step = 1 / 255
    assert worst_mu_law < linear_half_step / 10, (
        f"input 100001 samples in [-0.01, 0.01]: expected worst mu-law error < "
        f"{linear_half_step / 10:.3g}, got {worst_mu_law:.3g}"
    )
    # The same samples, linearly quantized, do come close to the half step: the comparison is fair.
    assert worst_linear > 0.9 * linear_half_step, (
        f"input 100001 samples in [-0.01, 0.01]: expected worst linear error near "
        f"{linear_half_step:.3g}, got {worst_linear:.3g}"
    )


# --- 6. and 7. Monotonicity and odd symmetry ----------------------------------------------------

GRID = torch.linspace(-1, 1, 200_001, dtype=torch.float64)


@pytest.mark.parametrize("mu", [1, 255, 65535])
def test_encode_and_decode_are_strictly_increasing(mu):
    """mu_law_encode and mu_law_decode are strictly increasing on a fine sorted float64 grid."""
    for name, func in [("mu_law_encode", mu_law_encode), ("mu_law_decode", mu_law_decode)]:
        out = func(GRID, mu)
        bad = out[1:] <= out[:-1]
        assert not bad.any(), (
            f"{name}, mu={mu}: "
            + _mismatch(GRID[1:], out[:-1], out[1:], bad)
            + " (expected = value at the previous grid point, got must be larger)"
        )


@pytest.mark.parametrize("n_levels", [2, 3, 256, 1024])
def test_quantize_is_non_decreasing_and_hits_every_code(n_levels):
    """quantize is non-decreasing on a sorted grid and, on a fine grid, produces every code."""
    for name, y in [("linear grid", GRID), ("mu-law of grid", mu_law_encode(GRID))]:
        codes = quantize(y, n_levels)
        bad = codes[1:] < codes[:-1]
        assert not bad.any(), f"{name}: " + _mismatch(y[1:], codes[:-1], codes[1:], bad)
    got = quantize(GRID, n_levels).unique()
    expected = torch.arange(n_levels)
    assert torch.equal(got, expected), (
        f"input linspace(-1, 1, 200001), n_levels={n_levels}: "
        f"expected codes 0..{n_levels - 1}, got {got.numel()} distinct codes"
    )


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("func", [mu_law_encode, mu_law_decode])
def test_odd_symmetry_is_exact(func, dtype):
    """mu_law_encode(-x) == -mu_law_encode(x) bit for bit, and the same for mu_law_decode."""
    x = torch.cat([_uniform(100_000, dtype, seed=7), torch.tensor([0.0, 1.0], dtype=dtype)])
    for mu in (1, 87.6, 255):
        expected = -func(x, mu)
        got = func(-x, mu)
        assert torch.equal(got, expected), f"{func.__name__}, mu={mu}: " + _mismatch(
            -x, expected, got, got != expected
        )


# --- 8. dtype and shape -------------------------------------------------------------------------

SHAPES = [(), (0,), (2, 0, 3), (7,), (3, 4, 5)]
ALL_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ALL_FLOAT_DTYPES, ids=str)
def test_encode_decode_quantize_keep_shape_and_dtype(dtype, shape):
    """encode/decode keep dtype and shape (float16 too, log1p/expm1 run on CPU); quantize: int64."""
    x = _uniform(math.prod(shape), torch.float32, seed=8).to(dtype).reshape(shape)
    for func in (mu_law_encode, mu_law_decode):
        out = func(x)
        assert (out.dtype, out.shape) == (dtype, x.shape), (
            f"{func.__name__}, input {dtype} {tuple(shape)}: "
            f"expected {dtype} {tuple(shape)}, got {out.dtype} {tuple(out.shape)}"
        )
        assert bool((out.abs() <= 1).all()), (
            f"{func.__name__}, input {x}: got {out} outside [-1, 1]"
        )
    codes = quantize(mu_law_encode(x))
    assert (codes.dtype, codes.shape) == (torch.int64, x.shape), (
        f"quantize, input {dtype} {tuple(shape)}: "
        f"expected torch.int64 {tuple(shape)}, got {codes.dtype} {tuple(codes.shape)}"
    )


@pytest.mark.parametrize("default_dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(
    "code_dtype", [torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8], ids=str
)
def test_dequantize_returns_default_dtype_and_keeps_shape(code_dtype, shape, default_dtype):
    """dequantize returns torch.get_default_dtype() and the codes' shape for every int dtype."""
    # n_levels = 128 so that every code fits int8; larger alphabets are tested below.
    generator = torch.Generator().manual_seed(9)
    codes = torch.randint(0, 128, shape, generator=generator).to(code_dtype)
    with _default_dtype(default_dtype):
        out = dequantize(codes, n_levels=128)
    assert (out.dtype, out.shape) == (default_dtype, codes.shape), (
        f"input {code_dtype} {tuple(shape)} with default {default_dtype}: "
        f"expected {default_dtype} {tuple(shape)}, got {out.dtype} {tuple(out.shape)}"
    )


@pytest.mark.parametrize(
    "code_dtype, n_levels, codes",
    [
        (torch.int8, 256, [0, 5, 127]),
        (torch.uint8, 300, [0, 100, 255]),
        (torch.int16, 40_000, [0, 1, 32_767]),
    ],
    ids=str,
)
def test_dequantize_accepts_narrow_int_codes_of_a_larger_alphabet(code_dtype, n_levels, codes):
    """Valid codes stored in a dtype narrower than n_levels - 1 are dequantized, not rejected."""
    expected = torch.tensor(codes, dtype=torch.float64) / (n_levels - 1) * 2 - 1
    with _default_dtype(torch.float64):
        got = dequantize(torch.tensor(codes, dtype=code_dtype), n_levels)
    assert torch.allclose(got, expected, rtol=0, atol=1e-15), (
        f"input {code_dtype} codes {codes}, n_levels={n_levels}: expected {expected}, got {got}"
    )


@pytest.mark.parametrize(
    "shape, expected_shape", [((5,), ()), ((1,), ()), ((4, 6), (4,)), ((2, 3, 6), (2, 3))]
)
def test_snr_db_reduces_the_last_dimension(shape, expected_shape):
    """snr_db returns one value per signal: (B, T) -> (B,), (T,) -> a 0-d tensor."""
    clean = _uniform(math.prod(shape), torch.float64, seed=10).reshape(shape)
    noisy = clean + 0.01
    got = snr_db(clean, noisy)
    assert got.shape == expected_shape, (
        f"input shape {shape}: expected shape {expected_shape}, got {tuple(got.shape)}"
    )


# --- 9. dequantize ------------------------------------------------------------------------------


@pytest.mark.parametrize("default_dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n_levels", [2, 3, 5, 255, 256, 1023, 1024])
def test_dequantize_end_and_middle_codes_are_exact(n_levels, default_dtype):
    """dequantize maps code 0 to -1, code n-1 to 1 and, for odd n, the middle code to 0 exactly."""
    codes = [0, n_levels - 1]
    expected = [-1.0, 1.0]
    if n_levels % 2:
        codes.append((n_levels - 1) // 2)
        expected.append(0.0)
    with _default_dtype(default_dtype):
        got = dequantize(torch.tensor(codes), n_levels).tolist()
    assert got == expected, (
        f"input codes {codes}, n_levels={n_levels}: expected {expected}, got {got}"
    )


@pytest.mark.parametrize("default_dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n_levels", [2, 3, 256, 1024])
def test_quantize_inverts_dequantize_on_every_code(n_levels, default_dtype):
    """quantize(dequantize(q)) == q for every code q in 0..n-1."""
    codes = torch.arange(n_levels)
    with _default_dtype(default_dtype):
        got = quantize(dequantize(codes, n_levels), n_levels)
    assert torch.equal(got, codes), _mismatch(codes, codes, got, got != codes)


@pytest.mark.parametrize(
    "dtype, n_levels",
    [
        (torch.bfloat16, 256),
        (torch.float16, 4096),
        (torch.bfloat16, 2**20),
        (torch.float32, 2**25),
        (torch.float16, 70_000),
    ],
    ids=str,
)
def test_quantize_maps_one_to_the_last_code_in_low_precision(dtype, n_levels):
    """quantize maps -1 and 1 to codes 0 and n_levels - 1 whatever the float dtype of y."""
    y = torch.tensor([-1.0, 1.0], dtype=dtype)
    expected = [0, n_levels - 1]
    got = quantize(y, n_levels).tolist()
    assert got == expected, (
        f"input {dtype} [-1, 1], n_levels={n_levels}: expected {expected}, got {got}"
    )


@pytest.mark.parametrize(
    "n_levels, y, expected",
    [(2, [0.0], [1]), (3, [-0.5, 0.5], [1, 2]), (5, [-0.75, -0.25, 0.25, 0.75], [1, 2, 3, 4])],
)
def test_quantize_rounds_halves_up(n_levels, y, expected):
    """Values exactly halfway between two codes go to the upper code (torchaudio's + 0.5 rule)."""
    got = quantize(torch.tensor(y, dtype=torch.float64), n_levels).tolist()
    assert got == expected, f"input {y}, n_levels={n_levels}: expected {expected}, got {got}"


# --- 10. snr_db ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_snr_db_known_value_sine_plus_constant(dtype):
    """Sine of amplitude A over whole periods plus a constant c: SNR = 10 log10((A^2/2) / c^2)."""
    n_samples, periods = 1000, 7
    amplitudes, offset = [2.0, 0.5, 0.01], 0.1
    t = torch.arange(n_samples, dtype=torch.float64)
    sine = torch.sin(2 * math.pi * periods * t / n_samples)
    clean = torch.stack([a * sine for a in amplitudes]).to(dtype)
    noisy = clean + offset
    # Over whole periods, sum_t sin^2 = T/2 exactly, and the noise power is T * c^2.
    expected = torch.tensor([10 * math.log10(a**2 / 2 / offset**2) for a in amplitudes])
    got = snr_db(clean, noisy).double()
    bad = (got - expected).abs() > 1e-4
    assert not bad.any(), _mismatch(torch.tensor(amplitudes), expected, got, bad) + " (input = A)"


@pytest.mark.parametrize("scale", [1e-3, 7.0, 1e3])
def test_snr_db_is_scale_invariant(scale):
    """Multiplying clean and noisy by the same factor leaves the SNR unchanged."""
    clean = _uniform(3 * 500, torch.float64, seed=11).reshape(3, 500)
    noisy = clean + 0.05 * _uniform(3 * 500, torch.float64, seed=12).reshape(3, 500)
    expected = snr_db(clean, noisy)
    got = snr_db(scale * clean, scale * noisy)
    assert torch.allclose(got, expected, rtol=0, atol=1e-9), (
        f"input scale {scale}: expected {expected.tolist()}, got {got.tolist()}"
    )


def test_snr_db_of_identical_signals_is_plus_infinity():
    """noisy == clean exactly gives +inf dB."""
    clean = _uniform(2 * 100, torch.float32, seed=13).reshape(2, 100)
    got = snr_db(clean, clean.clone())
    assert bool((got == math.inf).all()), f"input identical signals: expected [inf, inf], got {got}"


def test_snr_db_silent_clean_signal():
    """A silent clean signal gives -inf dB with noise and nan without (as documented)."""
    silent = torch.zeros(2, 10)
    noisy = torch.stack([torch.full((10,), 0.1), torch.zeros(10)])
    got = snr_db(silent, noisy)
    assert got[0].item() == -math.inf, f"input zeros vs 0.1: expected -inf, got {got[0].item()}"
    assert math.isnan(got[1].item()), f"input zeros vs zeros: expected nan, got {got[1].item()}"


def test_snr_db_ten_times_less_noise_power_is_ten_db_more():
    """Dividing the noise power by 10 raises the SNR by exactly 10 dB."""
    clean = _uniform(4 * 300, torch.float64, seed=14).reshape(4, 300)
    noise = 0.1 * _uniform(4 * 300, torch.float64, seed=15).reshape(4, 300)
    before = snr_db(clean, clean + noise)
    after = snr_db(clean, clean + noise / math.sqrt(10))
    got = after - before
    assert torch.allclose(got, torch.full_like(got, 10.0), rtol=0, atol=1e-9), (
        f"input noise scaled by 1/sqrt(10): expected +10 dB, got {got.tolist()}"
    )


# --- 11. Argument checks ------------------------------------------------------------------------

NOT_IN_UNIT_RANGE = [1.0000001, -1.5, 2.0, math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("bad", NOT_IN_UNIT_RANGE)
@pytest.mark.parametrize(
    "func, name", [(mu_law_encode, "x"), (mu_law_decode, "y"), (quantize, "y")]
)
def test_values_outside_unit_range_raise_value_error(func, name, bad):
    """A value outside [-1, 1], NaN or an infinity raises ValueError naming the argument."""
    with pytest.raises(ValueError, match=rf"^{name} must"):
        func(torch.tensor([0.0, bad, 0.5], dtype=torch.float64))
    with pytest.raises(ValueError, match=rf"^{name} must"):
        func(torch.tensor(bad))


@pytest.mark.parametrize(
    "bad", [torch.tensor([0, 1]), torch.tensor([True]), [0.0, 0.5], 0.5, None], ids=repr
)
@pytest.mark.parametrize(
    "func, name", [(mu_law_encode, "x"), (mu_law_decode, "y"), (quantize, "y")]
)
def test_non_float_tensors_raise_type_error(func, name, bad):
    """Integer or bool tensors, lists, floats and None raise TypeError naming the argument."""
    with pytest.raises(TypeError, match=rf"^{name} must be a floating-point torch.Tensor"):
        func(bad)


@pytest.mark.parametrize("mu", [0, -1, -0.5, math.nan, math.inf, True, "255", None], ids=repr)
@pytest.mark.parametrize("func", [mu_law_encode, mu_law_decode])
def test_bad_mu_raises_value_error(func, mu):
    """mu must be a finite number > 0 (not a bool, not a string)."""
    with pytest.raises(ValueError, match=r"^mu must be a finite number > 0"):
        func(torch.tensor([0.25]), mu)


@pytest.mark.parametrize("n_levels", [1, 0, -3, 2.5, 256.0, True, "256", None], ids=repr)
def test_bad_n_levels_raises_value_error(n_levels):
    """n_levels must be an int >= 2 (not a bool, not a float) in quantize and dequantize."""
    with pytest.raises(ValueError, match=r"^n_levels must be an int >= 2"):
        quantize(torch.tensor([0.25]), n_levels)
    with pytest.raises(ValueError, match=r"^n_levels must be an int >= 2"):
        dequantize(torch.tensor([0]), n_levels)


@pytest.mark.parametrize(
    "bad",
    [torch.tensor([0.0, 1.0]), torch.tensor([True, False]), torch.tensor([1j]), [0, 1], 3],
    ids=repr,
)
def test_dequantize_non_integer_codes_raise_type_error(bad):
    """Float, bool or complex tensors, lists and ints are not codes: TypeError naming q."""
    with pytest.raises(TypeError, match=r"^q must be a torch.Tensor of integer codes"):
        dequantize(bad)


@pytest.mark.parametrize(
    "codes, n_levels", [([-1], 256), ([0, 256], 256), ([255, 0, 300], 256), ([2], 2), ([-1], 2)]
)
def test_dequantize_codes_out_of_range_raise_value_error(codes, n_levels):
    """Codes below 0 or above n_levels - 1 raise ValueError naming q."""
    with pytest.raises(ValueError, match=rf"^q must hold codes in 0\.\.{n_levels - 1}"):
        dequantize(torch.tensor(codes), n_levels)


@pytest.mark.parametrize(
    "clean, noisy, match",
    [
        (torch.zeros(3), torch.zeros(4), r"^clean and noisy must have the same shape"),
        (torch.zeros(2, 3), torch.zeros(3, 2), r"^clean and noisy must have the same shape"),
        (torch.zeros(2, 0), torch.zeros(2, 0), r"^clean and noisy need at least one sample"),
        (torch.zeros(0), torch.zeros(0), r"^clean and noisy need at least one sample"),
        (torch.tensor(1.0), torch.tensor(1.0), r"^clean and noisy need at least one sample"),
        (torch.tensor([1.0, math.nan]), torch.zeros(2), r"^clean must hold finite values"),
        (torch.zeros(2), torch.tensor([0.0, math.nan]), r"^noisy must hold finite values"),
        (torch.zeros(2), torch.tensor([0.0, -math.inf]), r"^noisy must hold finite values"),
    ],
    ids=lambda value: str(value.tolist()) if isinstance(value, torch.Tensor) else "",
)
def test_snr_db_bad_inputs_raise_value_error(clean, noisy, match):
    """snr_db rejects shape mismatches, an empty last dimension and non-finite values."""
    with pytest.raises(ValueError, match=match):
        snr_db(clean, noisy)


@pytest.mark.parametrize(
    "clean, noisy, name",
    [
        (torch.tensor([1, 2]), torch.zeros(2), "clean"),
        (torch.zeros(2), [0.0, 0.0], "noisy"),
    ],
    ids=["int clean", "list noisy"],
)
def test_snr_db_non_float_inputs_raise_type_error(clean, noisy, name):
    """snr_db rejects anything but floating-point tensors, naming the argument."""
    with pytest.raises(TypeError, match=rf"^{name} must be a floating-point torch.Tensor"):
        snr_db(clean, noisy)


# --- 12. Properties (Hypothesis) ----------------------------------------------------------------

# Subnormals are left out: for mu < 1, mu * x underflows to 0 for the smallest subnormal x, so
# the sign of x is lost. That is float64 running out of range, in torchaudio's formula as well.
UNIT_FLOATS = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False, allow_subnormal=False)


@HYPOTHESIS
@given(
    values=st.lists(UNIT_FLOATS, min_size=1, max_size=32),
    mu=st.floats(min_value=0.1, max_value=1e5, allow_nan=False),
)
def test_property_encode_is_bounded_sign_preserving_and_invertible(values, mu):
    """For x in [-1, 1] and mu in [0.1, 1e5]: |encode(x)| <= 1, same sign, decode inverts it."""
    x = torch.tensor(values, dtype=torch.float64)
    y = mu_law_encode(x, mu)
    assert bool((y.abs() <= 1).all()), _mismatch(x, x.clamp(-1, 1), y, y.abs() > 1) + f" mu={mu}"
    sign_x, sign_y = torch.sign(x), torch.sign(y)
    assert torch.equal(sign_y, sign_x), _mismatch(x, sign_x, sign_y, sign_x != sign_y) + f" mu={mu}"
    back = mu_law_decode(y, mu)
    bad = (back - x).abs() > 1e-12
    assert not bad.any(), _mismatch(x, x, back, bad) + f" mu={mu}"


@HYPOTHESIS
@given(
    values=st.lists(UNIT_FLOATS, min_size=1, max_size=32),
    n_levels=st.integers(min_value=2, max_value=4096),
)
def test_property_quantize_is_in_range_and_within_half_a_step(values, n_levels):
    """For n in [2, 4096]: 0 <= quantize(y) <= n-1 and |dequantize(quantize(y)) - y| <= 1/(n-1)."""
    y = torch.tensor(values, dtype=torch.float64)
    codes = quantize(y, n_levels)
    bad = (codes < 0) | (codes > n_levels - 1)
    assert not bad.any(), _mismatch(y, y, codes, bad) + f" n_levels={n_levels}"
    with _default_dtype(torch.float64):
        y_hat = dequantize(codes, n_levels)
    bad = (y_hat - y).abs() > 1 / (n_levels - 1) + 1e-12
    assert not bad.any(), _mismatch(y, y, y_hat, bad) + f" n_levels={n_levels}"
