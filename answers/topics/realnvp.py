"""Answers to 03_realnvp: mistakes, right answers written otherwise, plain and cross-cell answers.

Mistakes are mutations of the solution where the slip is one expression
(``Edit``), and whole functions where a student would write something else.
``test_flow_log_prob`` swaps in stand-ins for ``affine_coupling_forward`` and
``standard_normal_log_prob`` while it runs, so a wrong coupling or base
density costs its own test only: the ``cross`` answers check exactly that.
"""

import torch

from answers import UNATTEMPTED, Edit, correct, cross, mistake, plain, unattempted
from course.realnvp import CouplingNet, RealNVP

ASSIGNMENT = "03_realnvp"

#: A correct flow_log_prob as a student writes it: a loop that calls exercises 1 and 2.
FLOW_CALLING_THE_EXERCISES = """
def flow_log_prob(x, flow):
    log_dets = []
    for layer in flow:
        x, log_det = affine_coupling_forward(x, *layer)
        log_dets.append(log_det)
    return standard_normal_log_prob(x) + sum(log_dets)
"""

ANSWERS = [
    # --- standard_normal_log_prob ----------------------------------------------------------------
    mistake(
        "normal_missing_constant",
        "standard_normal_log_prob",
        Edit(" - 0.5 * dim * math.log(2 * math.pi)", ""),
    ),
    mistake(
        "normal_constant_without_d",
        "standard_normal_log_prob",
        Edit("0.5 * dim * math.log(2 * math.pi)", "0.5 * math.log(2 * math.pi)"),
    ),
    mistake(
        "normal_mean_over_dims",
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    return torch.distributions.Normal(0.0, 1.0).log_prob(z).mean(dim=1)
""",
    ),
    mistake(
        "normal_returns_density",
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    dim = z.shape[1]
    return torch.exp(-0.5 * (z ** 2).sum(dim=1)) / (2 * math.pi) ** (dim / 2)
""",
    ),
    # Right on ordinary points; -inf far from the origin, where the density underflows.
    mistake(
        "normal_log_of_density",
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    density = torch.exp(-0.5 * (z ** 2).sum(dim=1)) / (2 * math.pi) ** (z.shape[1] / 2)
    return torch.log(density)
""",
    ),
    mistake(
        "normal_keepdim",
        "standard_normal_log_prob",
        Edit("z.pow(2).sum(dim=1)", "z.pow(2).sum(dim=1, keepdim=True)"),
    ),
    plain(
        "normal_plain_distributions",
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    return torch.distributions.Normal(0, 1).log_prob(z).sum(1)
""",
    ),
    plain(
        "normal_plain_multivariate",
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    d = z.shape[1]
    mvn = torch.distributions.MultivariateNormal(
        torch.zeros(d, dtype=z.dtype), torch.eye(d, dtype=z.dtype)
    )
    return mvn.log_prob(z)
""",
    ),
    plain(
        "normal_plain_formula",
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    return -(z * z).sum(-1) / 2 - z.shape[-1] * math.log(2 * math.pi) / 2
""",
    ),
    correct(
        "normal_with_own_checks",
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    if not isinstance(z, torch.Tensor) or z.dim() != 2:
        raise ValueError("z must be a tensor of shape (N, D)")
    return -0.5 * (z ** 2).sum(dim=1) - z.shape[1] / 2 * math.log(2 * math.pi)
""",
    ),
    # --- affine_coupling_forward -----------------------------------------------------------------
    mistake(
        "forward_log_det_all_coordinates",
        "affine_coupling_forward",
        Edit("log_det = ((1 - mask) * s).sum(dim=1)", "log_det = s.sum(dim=1)"),
    ),
    # The slip of the exam answer: the sum runs over the copied coordinates.
    mistake(
        "forward_log_det_over_copied_coordinates",
        "affine_coupling_forward",
        Edit("log_det = ((1 - mask) * s)", "log_det = (mask * s)"),
    ),
    mistake(
        "forward_exp_minus_s",
        "affine_coupling_forward",
        Edit("x * torch.exp(s) + t", "x * torch.exp(-s) + t"),
    ),
    mistake(
        "forward_nets_see_x",
        "affine_coupling_forward",
        Edit("s = s_net(x_kept)\n    t = t_net(x_kept)", "s = s_net(x)\n    t = t_net(x)"),
    ),
    mistake(
        "forward_shift_before_scale",
        "affine_coupling_forward",
        Edit("(x * torch.exp(s) + t)", "((x + t) * torch.exp(s))"),
    ),
    mistake(
        "forward_detached",
        "affine_coupling_forward",
        Edit("return z, log_det", "return z.detach(), log_det.detach()"),
    ),
    # A coupling, but with the mask read the other way round (1 = transform).
    mistake(
        "forward_mask_read_backwards",
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    h = (1 - mask) * x
    s, t = s_net(h), t_net(h)
    z = h + mask * (x * torch.exp(s) + t)
    return z, (mask * s).sum(dim=1)
""",
    ),
    plain(
        "forward_plain_boolean_indexing",
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    free = mask == 0
    s = s_net(x * mask)
    t = t_net(x * mask)
    z = x.clone()
    z[:, free] = x[:, free] * torch.exp(s[:, free]) + t[:, free]
    return z, s[:, free].sum(dim=1)
""",
    ),
    correct(
        "forward_where_and_two_calls_of_s",
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    keep = mask.bool()
    x_kept = torch.where(keep, x, torch.zeros_like(x))
    z = torch.where(keep, x, x * torch.exp(s_net(x_kept)) + t_net(x_kept))
    log_det = torch.where(keep, torch.zeros_like(x), s_net(x_kept)).sum(dim=-1)
    return z, log_det
""",
    ),
    # --- affine_coupling_inverse -----------------------------------------------------------------
    mistake(
        "inverse_shift_after_scale",
        "affine_coupling_inverse",
        Edit("((z - t) * torch.exp(-s))", "(z * torch.exp(-s) - t)"),
    ),
    mistake("inverse_exp_plus_s", "affine_coupling_inverse", Edit("torch.exp(-s)", "torch.exp(s)")),
    mistake(
        "inverse_nets_see_z",
        "affine_coupling_inverse",
        Edit("s = s_net(z_kept)\n    t = t_net(z_kept)", "s = s_net(z)\n    t = t_net(z)"),
    ),
    mistake("inverse_adds_t", "affine_coupling_inverse", Edit("((z - t) *", "((z + t) *")),
    mistake("inverse_divides_by_s", "affine_coupling_inverse", Edit("* torch.exp(-s)", "/ s")),
    mistake(
        "inverse_changes_copied_coordinates",
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    s, t = s_net(mask * z), t_net(mask * z)
    return (z - t) * torch.exp(-s)
""",
    ),
    # Sampling needs no gradient, but the inverse's docstring promises one.
    mistake(
        "inverse_under_no_grad",
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    with torch.no_grad():
        s, t = s_net(mask * z), t_net(mask * z)
        return mask * z + (1 - mask) * (z - t) * torch.exp(-s)
""",
    ),
    plain(
        "inverse_plain_solve_for_x",
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    free = mask == 0
    s = s_net(z * mask)
    t = t_net(z * mask)
    x = z.clone()
    # z = x * exp(s) + t on the transformed coordinates: solve for x
    x[:, free] = (z[:, free] - t[:, free]) / torch.exp(s[:, free])
    return x
""",
    ),
    correct(
        "inverse_where_and_division",
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    keep = mask.bool()
    z_kept = torch.where(keep, z, torch.zeros_like(z))
    return torch.where(keep, z, (z - t_net(z_kept)) / torch.exp(s_net(z_kept)))
""",
    ),
    # --- flow_log_prob ---------------------------------------------------------------------------
    mistake(
        "flow_subtracts_log_dets",
        "flow_log_prob",
        Edit("total_log_det + log_det", "total_log_det - log_det"),
    ),
    mistake(
        "flow_last_log_det_only",
        "flow_log_prob",
        Edit("total_log_det = total_log_det + log_det", "total_log_det = log_det"),
    ),
    mistake(
        "flow_base_density_at_x",
        "flow_log_prob",
        Edit("return standard_normal_log_prob(z) +", "return standard_normal_log_prob(x) +"),
    ),
    mistake(
        "flow_layers_reversed",
        "flow_log_prob",
        Edit("in flow:", "in reversed(list(flow)):"),
    ),
    mistake(
        "flow_float64_total",
        "flow_log_prob",
        Edit("dtype=x.dtype)", "dtype=torch.float64)"),
    ),
    mistake(
        "flow_not_differentiable",
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    with torch.no_grad():
        z, total = x, 0.0
        for mask, s_net, t_net in flow:
            z, log_det = affine_coupling_forward(z, mask, s_net, t_net)
            total = total + log_det
        return standard_normal_log_prob(z) + total
""",
    ),
    # Right for lists and tuples; a RealNVP (what the training passes) cannot be indexed.
    mistake(
        "flow_indexes_the_flow",
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    z, total = x, 0.0
    for k in range(len(flow)):
        mask, s_net, t_net = flow[k]
        z, log_det = affine_coupling_forward(z, mask, s_net, t_net)
        total = total + log_det
    return standard_normal_log_prob(z) + total
""",
    ),
    # Right for every flow with a layer; torch.stack of no tensors fails on the empty flow.
    mistake(
        "flow_stacks_log_dets",
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    z, log_dets = x, []
    for mask, s_net, t_net in flow:
        z, log_det = affine_coupling_forward(z, mask, s_net, t_net)
        log_dets.append(log_det)
    return standard_normal_log_prob(z) + torch.stack(log_dets).sum(dim=0)
""",
    ),
    plain("flow_plain_calls_the_exercises", "flow_log_prob", FLOW_CALLING_THE_EXERCISES),
    plain(
        "flow_plain_torch_distributions",
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    # the coupling and the base density written out again, with torch.distributions
    base = torch.distributions.Normal(torch.tensor(0.0, dtype=x.dtype), 1.0)
    z = x
    log_det = 0
    for mask, s_net, t_net in flow:
        s, t = s_net(mask * z), t_net(mask * z)
        z = mask * z + (1 - mask) * (z * torch.exp(s) + t)
        log_det = log_det + ((1 - mask) * s).sum(dim=1)
    return base.log_prob(z).sum(dim=1) + log_det
""",
    ),
    correct(
        "flow_functools_reduce",
        "flow_log_prob",
        """
import functools

def flow_log_prob(x, flow):
    def step(state, layer):
        z, total = state
        z, log_det = affine_coupling_forward(z, *layer)
        return z, total + log_det

    z, total = functools.reduce(step, flow, (x, 0.0))
    return standard_normal_log_prob(z) + total
""",
    ),
    # --- A right flow on top of wrong or missing exercises 1 and 2 ------------------------------
    cross(
        "cross_flow_right_coupling_wrong",
        {
            "affine_coupling_forward": Edit("log_det = ((1 - mask) * s)", "log_det = (mask * s)"),
            "flow_log_prob": FLOW_CALLING_THE_EXERCISES,
        },
        loses=["test_affine_coupling_forward"],
    ),
    cross(
        "cross_flow_right_base_wrong",
        {
            "standard_normal_log_prob": Edit(" - 0.5 * dim * math.log(2 * math.pi)", ""),
            "flow_log_prob": FLOW_CALLING_THE_EXERCISES,
        },
        loses=["test_standard_normal_log_prob"],
    ),
    cross(
        "cross_flow_right_both_unattempted",
        {"standard_normal_log_prob": UNATTEMPTED, "affine_coupling_forward": UNATTEMPTED},
        loses=["test_standard_normal_log_prob", "test_affine_coupling_forward"],
    ),
    unattempted("affine_coupling_inverse"),
]

#: The exam's slip in the coupling (log_det over the copied coordinates), no inverse:
#: 2 + 0 + 0 + 3 = 5 of 10, the flow keeping its 3 points although it calls the wrong coupling.
DEMO_STUDENT = ["forward_log_det_over_copied_coordinates", "affine_coupling_inverse_unattempted"]


def _points(seed, n=16, dim=2):
    generator = torch.Generator().manual_seed(seed)
    return 1.5 * torch.randn(n, dim, generator=generator, dtype=torch.float64)


def _coupling(seed, dim=2):
    """A seeded (s_net, t_net) pair of small float64 CouplingNets."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return CouplingNet(dim, 8, bound=2.0).double(), CouplingNet(dim, 8).double()


def _layer_arguments(name, seed):
    s_net, t_net = _coupling(seed)
    mask = torch.tensor([1.0, 0.0], dtype=torch.float64)
    return {name: _points(seed + 1), "mask": mask, "s_net": s_net, "t_net": t_net}


#: Inputs on which no helper shipped to students may reproduce an exercise's answer.
PROBES = {
    "standard_normal_log_prob": lambda: {"z": _points(1)},
    "affine_coupling_forward": lambda: _layer_arguments("x", 2),
    "affine_coupling_inverse": lambda: _layer_arguments("z", 4),
    "flow_log_prob": lambda: {
        "x": _points(6),
        "flow": RealNVP(2, n_couplings=3, hidden=8, seed=7).double(),
    },
}
