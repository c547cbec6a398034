"""03_realnvp: a student who gets the base density and the flow right, and the coupling wrong.

Expected score: 5 of 10 (standard_normal_log_prob 2 + flow_log_prob 3). The flow's
test swaps in stand-ins for the coupling layer, so the wrong ``affine_coupling_forward``
below costs its own 3 points only.
"""

ASSIGNMENT = "03_realnvp"
NOTEBOOK = "realnvp"
EXPECTED_SCORE = 5

PARTLY_WRONG = {
    # The slip of the exam answer: log_det sums s over the copied coordinates.
    "affine_coupling_forward": """
def affine_coupling_forward(x, mask, s_net, t_net):
    s, t = s_net(mask * x), t_net(mask * x)
    z = mask * x + (1 - mask) * (x * torch.exp(s) + t)
    return z, (mask * s).sum(dim=1)
""",
    # Not attempted: the cell is left as released.
    "affine_coupling_inverse": """
def affine_coupling_inverse(z, mask, s_net, t_net):
    # YOUR CODE HERE
    raise NotImplementedError()
""",
}
