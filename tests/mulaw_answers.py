"""Student answers for 01_mulaw used by the grading tests.

``MISTAKES``: plausible wrong answers, each in one solution cell; each must lose
the points of that cell's ``test_<name>`` and nothing else.
``VARIANTS``: correct answers written differently; each must keep full marks.
"""

MISTAKES = {
    "encode_no_sign": (
        "mu_law_encode",
        """
def mu_law_encode(x, mu=255):
    require_unit_range("x", x)
    return torch.log1p(mu * x.abs()) / math.log1p(mu)
""",
    ),
    "encode_log_mu": (
        "mu_law_encode",
        """
def mu_law_encode(x, mu=255):
    require_unit_range("x", x)
    return torch.sign(x) * torch.log1p(mu * x.abs()) / math.log(mu)
""",
    ),
    "encode_no_range_check": (
        "mu_law_encode",
        """
def mu_law_encode(x, mu=255):
    return torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
""",
    ),
    "encode_clamps_instead_of_raising": (
        "mu_law_encode",
        """
def mu_law_encode(x, mu=255):
    x = x.clamp(-1, 1)
    return torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
""",
    ),
    "encode_fixed_mu": (
        "mu_law_encode",
        """
def mu_law_encode(x, mu=255):
    require_unit_range("x", x)
    return torch.sign(x) * torch.log1p(255 * x.abs()) / math.log1p(255)
""",
    ),
    "encode_returns_float64": (
        "mu_law_encode",
        """
def mu_law_encode(x, mu=255):
    require_unit_range("x", x)
    x = x.double()
    return torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
""",
    ),
    "decode_mu_power": (
        "mu_law_decode",
        """
def mu_law_decode(y, mu=255):
    return torch.sign(y) * (mu ** y.abs() - 1) / mu
""",
    ),
    "decode_no_sign": (
        "mu_law_decode",
        """
def mu_law_decode(y, mu=255):
    return torch.expm1(y.abs() * math.log1p(mu)) / mu
""",
    ),
    "decode_forgets_divide_by_mu": (
        "mu_law_decode",
        """
def mu_law_decode(y, mu=255):
    return torch.sign(y) * torch.expm1(y.abs() * math.log1p(mu))
""",
    ),
    "quantize_round_half_even": (
        "quantize",
        """
def quantize(y, n_levels=256):
    return torch.round((y + 1) / 2 * (n_levels - 1)).long()
""",
    ),
    "quantize_floor_without_half": (
        "quantize",
        """
def quantize(y, n_levels=256):
    return torch.floor((y + 1) / 2 * (n_levels - 1)).long()
""",
    ),
    "quantize_scales_by_n_levels": (
        "quantize",
        """
def quantize(y, n_levels=256):
    return torch.floor((y + 1) / 2 * n_levels + 0.5).clamp(0, n_levels - 1).long()
""",
    ),
    "quantize_returns_float": (
        "quantize",
        """
def quantize(y, n_levels=256):
    return torch.floor((y + 1) / 2 * (n_levels - 1) + 0.5)
""",
    ),
    "dequantize_divides_by_n_levels": (
        "dequantize",
        """
def dequantize(q, n_levels=256):
    return q / n_levels * 2 - 1
""",
    ),
    "dequantize_forgets_shift": (
        "dequantize",
        """
def dequantize(q, n_levels=256):
    return q / (n_levels - 1) * 2
""",
    ),
    "dequantize_integer_division": (
        "dequantize",
        """
def dequantize(q, n_levels=256):
    return q // (n_levels - 1) * 2 - 1
""",
    ),
    "snr_amplitude_factor": (
        "snr_db",
        """
def snr_db(clean, noisy):
    if clean.shape != noisy.shape:
        raise ValueError("shapes differ")
    return 20 * torch.log10(clean.pow(2).sum(-1) / (noisy - clean).pow(2).sum(-1))
""",
    ),
    "snr_swapped_roles": (
        "snr_db",
        """
def snr_db(clean, noisy):
    if clean.shape != noisy.shape:
        raise ValueError("shapes differ")
    return 10 * torch.log10(noisy.pow(2).sum(-1) / (noisy - clean).pow(2).sum(-1))
""",
    ),
    "snr_whole_tensor": (
        "snr_db",
        """
def snr_db(clean, noisy):
    if clean.shape != noisy.shape:
        raise ValueError("shapes differ")
    return 10 * torch.log10(clean.pow(2).sum() / (noisy - clean).pow(2).sum())
""",
    ),
    "snr_epsilon": (
        "snr_db",
        """
def snr_db(clean, noisy):
    if clean.shape != noisy.shape:
        raise ValueError("shapes differ")
    return 10 * torch.log10(clean.pow(2).sum(-1) / ((noisy - clean).pow(2).sum(-1) + 1e-8))
""",
    ),
}

VARIANTS = {
    "encode_log_and_where": (
        "mu_law_encode",
        """
def mu_law_encode(x, mu=255):
    if not torch.isfinite(x).all() or (x.abs() > 1).any():
        raise ValueError("x must be finite and in [-1, 1]")
    magnitude = torch.log(1 + mu * x.abs()) / math.log(1 + mu)
    return torch.where(x < 0, -magnitude, magnitude)
""",
    ),
    "decode_power_formula": (
        "mu_law_decode",
        """
def mu_law_decode(y, mu=255):
    return torch.sign(y) * ((1 + mu) ** y.abs() - 1) / mu
""",
    ),
    "quantize_truncating_cast": (
        "quantize",
        """
def quantize(y, n_levels=256):
    return ((y + 1) * (n_levels - 1) / 2 + 0.5).to(torch.int64)
""",
    ),
    "dequantize_float_first": (
        "dequantize",
        """
def dequantize(q, n_levels=256):
    return q.float() * 2 / (n_levels - 1) - 1
""",
    ),
    "snr_means_and_norms": (
        "snr_db",
        """
def snr_db(clean, noisy):
    if clean.shape != noisy.shape:
        raise ValueError(f"shapes differ: {clean.shape} and {noisy.shape}")
    ratio = clean.norm(dim=-1) / (noisy - clean).norm(dim=-1)
    return 20 * torch.log10(ratio)
""",
    ),
    "emits_torch_warning": (
        "dequantize",
        """
import warnings

def dequantize(q, n_levels=256):
    warnings.warn("a harmless warning printed to stderr", UserWarning)
    print("and a line on stderr", file=sys.stderr)
    return torch.tensor(q) / (n_levels - 1) * 2 - 1
""",
    ),
}
