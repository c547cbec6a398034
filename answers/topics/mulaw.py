"""Answers to 01_mulaw: mistakes, right answers written otherwise, plain answers, the demo student.

Mistakes are mutations of the solution where the slip is one expression
(``Edit``), and whole functions where a student would write something else.
"""

import torch

from answers import Edit, correct, mistake, plain, unattempted

ASSIGNMENT = "01_mulaw"

ANSWERS = [
    # --- mu_law_encode ---------------------------------------------------------------------------
    mistake("encode_no_sign", "mu_law_encode", Edit("torch.sign(x) * torch.log1p", "torch.log1p")),
    mistake(
        "encode_log_mu",
        "mu_law_encode",
        Edit("x.abs()) / torch.log1p(mu)", "x.abs()) / torch.log(mu)"),
    ),
    mistake(
        "encode_fixed_mu",
        "mu_law_encode",
        Edit("torch.tensor(float(mu), dtype=x.dtype)", "torch.tensor(255.0, dtype=x.dtype)"),
    ),
    mistake(
        "encode_returns_float64",
        "mu_law_encode",
        Edit(
            "    mu = torch.tensor(float(mu)", "    x = x.double()\n    mu = torch.tensor(float(mu)"
        ),
    ),
    mistake(
        "encode_forgets_the_one",
        "mu_law_encode",
        Edit(
            "torch.log1p(mu * x.abs()) / torch.log1p(mu)", "torch.log(mu * x.abs()) / torch.log(mu)"
        ),
    ),
    # Argument checks: the formula is right, only the errors cell is lost.
    mistake(
        "encode_clamps_instead_of_raising",
        "mu_law_encode",
        Edit('    require_unit_range("x", x)\n', "    x = x.clamp(-1, 1)\n"),
        loses=["test_mu_law_encode_errors"],
    ),
    mistake(
        "encode_checks_range_but_not_nan",
        "mu_law_encode",
        Edit(
            '    require_unit_range("x", x)\n',
            "    if (x.abs() > 1).any():\n        raise ValueError('x must lie in [-1, 1]')\n",
        ),
        loses=["test_mu_law_encode_errors"],
    ),
    correct(
        "encode_without_checks",
        "mu_law_encode",
        [
            Edit('    require_unit_range("x", x)\n', ""),
            Edit('    require_float_tensor("x", x)\n', ""),
        ],
        loses=["test_mu_law_encode_errors"],
    ),
    correct(
        "encode_log_and_where",
        "mu_law_encode",
        """
def mu_law_encode(x, mu=255):
    if not torch.isfinite(x).all() or (x.abs() > 1).any():
        raise ValueError("x must be finite and in [-1, 1]")
    magnitude = torch.log(1 + mu * x.abs()) / math.log(1 + mu)
    return torch.where(x < 0, -magnitude, magnitude)
""",
    ),
    plain(
        "encode_plain",
        "mu_law_encode",
        """
def mu_law_encode(x, mu=255):
    return torch.sign(x) * torch.log(1 + mu * torch.abs(x)) / math.log(1 + mu)
""",
        loses=["test_mu_law_encode_errors"],
    ),
    # --- mu_law_decode ---------------------------------------------------------------------------
    mistake(
        "decode_mu_power",
        "mu_law_decode",
        Edit("torch.expm1(y.abs() * torch.log1p(mu))", "(mu ** y.abs() - 1)"),
    ),
    mistake("decode_no_sign", "mu_law_decode", Edit("torch.sign(y) * torch.expm1", "torch.expm1")),
    mistake(
        "decode_forgets_divide_by_mu",
        "mu_law_decode",
        Edit("torch.log1p(mu)) / mu", "torch.log1p(mu))"),
    ),
    mistake(
        "decode_exp_without_minus_one",
        "mu_law_decode",
        Edit("torch.expm1(y.abs() * torch.log1p(mu))", "torch.exp(y.abs() * torch.log1p(mu))"),
    ),
    plain(
        "decode_plain",
        "mu_law_decode",
        """
def mu_law_decode(y, mu=255):
    return torch.sign(y) * ((1 + mu) ** torch.abs(y) - 1) / mu
""",
    ),
    # --- quantize --------------------------------------------------------------------------------
    mistake(
        "quantize_round_half_even",
        "quantize",
        Edit(
            "torch.floor((y + 1) / 2 * (n_levels - 1) + 0.5)",
            "torch.round((y + 1) / 2 * (n_levels - 1))",
        ),
    ),
    mistake(
        "quantize_floor_without_half",
        "quantize",
        Edit("* (n_levels - 1) + 0.5).to(", "* (n_levels - 1)).to("),
    ),
    mistake(
        "quantize_scales_by_n_levels",
        "quantize",
        Edit("/ 2 * (n_levels - 1) + 0.5).to(", "/ 2 * n_levels + 0.5).to("),
    ),
    mistake("quantize_returns_float", "quantize", Edit(".to(torch.int64)", "")),
    plain(
        "quantize_plain",
        "quantize",
        """
def quantize(y, n_levels=256):
    return ((y + 1) * (n_levels - 1) / 2 + 0.5).to(torch.int64)
""",
    ),
    correct(
        "quantize_floor_division",
        "quantize",
        """
def quantize(y, n_levels=256):
    scaled = (y.double() + 1) / 2 * (n_levels - 1) + 0.5
    return torch.div(scaled, 1, rounding_mode="floor").long()
""",
    ),
    # --- dequantize ------------------------------------------------------------------------------
    mistake(
        "dequantize_divides_by_n_levels",
        "dequantize",
        Edit("get_default_dtype()) / (n_levels - 1) * 2", "get_default_dtype()) / n_levels * 2"),
    ),
    mistake(
        "dequantize_forgets_shift",
        "dequantize",
        Edit("dtype()) / (n_levels - 1) * 2 - 1", "dtype()) / (n_levels - 1) * 2"),
    ),
    mistake(
        "dequantize_integer_division",
        "dequantize",
        """
def dequantize(q, n_levels=256):
    return q // (n_levels - 1) * 2 - 1
""",
    ),
    mistake(
        "dequantize_in_the_codes_dtype",
        "dequantize",
        """
def dequantize(q, n_levels=256):
    return (2 * q) / (n_levels - 1) - 1
""",
    ),
    plain(
        "dequantize_plain_linspace",
        "dequantize",
        """
def dequantize(q, n_levels=256):
    return torch.linspace(-1, 1, n_levels)[q.long()]
""",
    ),
    correct(
        "dequantize_float_first",
        "dequantize",
        """
def dequantize(q, n_levels=256):
    return q.float() * 2 / (n_levels - 1) - 1
""",
    ),
    correct(
        "dequantize_emits_a_warning",
        "dequantize",
        """
import warnings

def dequantize(q, n_levels=256):
    warnings.warn("a harmless warning printed to stderr", UserWarning)
    print("and a line on stderr", file=sys.stderr)
    return torch.tensor(q) / (n_levels - 1) * 2 - 1
""",
    ),
    # --- snr_db ----------------------------------------------------------------------------------
    mistake(
        "snr_amplitude_factor", "snr_db", Edit("return 10 * torch.log10", "return 20 * torch.log10")
    ),
    mistake(
        "snr_swapped_roles",
        "snr_db",
        Edit("signal_power = clean.pow(2)", "signal_power = noisy.pow(2)"),
    ),
    mistake(
        "snr_whole_tensor",
        "snr_db",
        [
            Edit("= clean.pow(2).sum(dim=-1)", "= clean.pow(2).sum()"),
            Edit("= (noisy - clean).pow(2).sum(dim=-1)", "= (noisy - clean).pow(2).sum()"),
        ],
    ),
    mistake(
        "snr_epsilon",
        "snr_db",
        Edit("signal_power / noise_power", "signal_power / (noise_power + 1e-8)"),
    ),
    plain(
        "snr_plain_norms",
        "snr_db",
        """
def snr_db(clean, noisy):
    return 20 * torch.log10(clean.norm(dim=-1) / (noisy - clean).norm(dim=-1))
""",
    ),
    correct(
        "snr_mean_powers",
        "snr_db",
        """
def snr_db(clean, noisy):
    if clean.shape != noisy.shape:
        raise ValueError(f"shapes differ: {clean.shape} and {noisy.shape}")
    ratio = clean.pow(2).mean(-1) / (noisy - clean).pow(2).mean(-1)
    return 10 * torch.log10(ratio)
""",
    ),
    unattempted("snr_db"),
]

#: Right encode and dequantize; decode with mu ** |y|, quantize with banker's rounding, no SNR.
DEMO_STUDENT = ["decode_mu_power", "quantize_round_half_even", "snr_db_unattempted"]


def _signal(seed, n=64):
    return torch.rand(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2 - 1


#: Inputs on which no helper shipped to students may reproduce an exercise's answer.
PROBES = {
    "mu_law_encode": lambda: {"x": _signal(1), "mu": 255},
    "mu_law_decode": lambda: {"y": _signal(2), "mu": 255},
    "quantize": lambda: {"y": _signal(3), "n_levels": 256},
    "dequantize": lambda: {"q": torch.arange(0, 256, 5), "n_levels": 256},
    "snr_db": lambda: {"clean": _signal(4), "noisy": _signal(4) + 0.01 * _signal(5)},
}
