"""01_mulaw: a student who gets encode and dequantize right, and the rest wrong.

Expected score: 3 of 10 (mu_law_encode 2 + dequantize 1).
"""

ASSIGNMENT = "01_mulaw"
NOTEBOOK = "mulaw"
EXPECTED_SCORE = 3

PARTLY_WRONG = {
    # (1 + mu) ** |y| confused with mu ** |y|: wrong everywhere but at 0 and 1.
    "mu_law_decode": """
def mu_law_decode(y, mu=255):
    return torch.sign(y) * (mu ** y.abs() - 1) / mu
""",
    # torch.round sends exact halves to the even neighbour instead of up.
    "quantize": """
def quantize(y, n_levels=256):
    return torch.round((y + 1) / 2 * (n_levels - 1)).long()
""",
    # Not attempted: the cell is left as released.
    "snr_db": """
def snr_db(clean, noisy):
    # YOUR CODE HERE
    raise NotImplementedError()
""",
}
