"""Student answers for 03_realnvp used by the grading tests.

``MISTAKES``: plausible wrong answers, each in one solution cell; each must lose
the points of that cell's ``test_<name>`` and nothing else (in particular, a
wrong ``affine_coupling_forward`` or ``standard_normal_log_prob`` must not cost
points on ``test_flow_log_prob``, which calls them).
``VARIANTS``: correct answers written differently; each must keep full marks.
"""

MISTAKES = {
    # --- standard_normal_log_prob ---------------------------------------------------------------
    "normal_missing_constant": (
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    return -0.5 * (z ** 2).sum(dim=1)
""",
    ),
    "normal_constant_without_d": (
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    return -0.5 * (z ** 2).sum(dim=1) - 0.5 * math.log(2 * math.pi)
""",
    ),
    "normal_mean_over_dims": (
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    return torch.distributions.Normal(0.0, 1.0).log_prob(z).mean(dim=1)
""",
    ),
    "normal_returns_density": (
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    dim = z.shape[1]
    return torch.exp(-0.5 * (z ** 2).sum(dim=1)) / (2 * math.pi) ** (dim / 2)
""",
    ),
    # --- affine_coupling_forward ----------------------------------------------------------------
    "forward_log_det_all_coordinates": (
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    s, t = s_net(mask * x), t_net(mask * x)
    z = mask * x + (1 - mask) * (x * torch.exp(s) + t)
    return z, s.sum(dim=1)
""",
    ),
    "forward_log_det_over_copied_coordinates": (
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    # the exam's slip: the sum runs over the coordinates that are copied
    s, t = s_net(mask * x), t_net(mask * x)
    z = mask * x + (1 - mask) * (x * torch.exp(s) + t)
    return z, (mask * s).sum(dim=1)
""",
    ),
    "forward_exp_minus_s": (
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    s, t = s_net(mask * x), t_net(mask * x)
    z = mask * x + (1 - mask) * (x * torch.exp(-s) + t)
    return z, ((1 - mask) * s).sum(dim=1)
""",
    ),
    "forward_nets_see_x": (
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    s, t = s_net(x), t_net(x)
    z = mask * x + (1 - mask) * (x * torch.exp(s) + t)
    return z, ((1 - mask) * s).sum(dim=1)
""",
    ),
    "forward_forgets_t": (
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    s = s_net(mask * x)
    z = mask * x + (1 - mask) * x * torch.exp(s)
    return z, ((1 - mask) * s).sum(dim=1)
""",
    ),
    "forward_log_det_mean": (
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    s, t = s_net(mask * x), t_net(mask * x)
    z = mask * x + (1 - mask) * (x * torch.exp(s) + t)
    return z, ((1 - mask) * s).mean(dim=1)
""",
    ),
    # --- affine_coupling_inverse ----------------------------------------------------------------
    "inverse_shift_after_scale": (
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    s, t = s_net(mask * z), t_net(mask * z)
    return mask * z + (1 - mask) * (z * torch.exp(-s) - t)
""",
    ),
    "inverse_exp_plus_s": (
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    s, t = s_net(mask * z), t_net(mask * z)
    return mask * z + (1 - mask) * (z - t) * torch.exp(s)
""",
    ),
    "inverse_nets_see_z": (
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    s, t = s_net(z), t_net(z)
    return mask * z + (1 - mask) * (z - t) * torch.exp(-s)
""",
    ),
    "inverse_adds_t": (
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    s, t = s_net(mask * z), t_net(mask * z)
    return mask * z + (1 - mask) * (z + t) * torch.exp(-s)
""",
    ),
    "inverse_changes_copied_coordinates": (
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    s, t = s_net(mask * z), t_net(mask * z)
    return (z - t) * torch.exp(-s)
""",
    ),
    # --- flow_log_prob --------------------------------------------------------------------------
    "flow_subtracts_log_dets": (
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    z, total = x, 0.0
    for mask, s_net, t_net in flow:
        z, log_det = affine_coupling_forward(z, mask, s_net, t_net)
        total = total - log_det
    return standard_normal_log_prob(z) + total
""",
    ),
    "flow_last_log_det_only": (
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    z, log_det = x, 0.0
    for mask, s_net, t_net in flow:
        z, log_det = affine_coupling_forward(z, mask, s_net, t_net)
    return standard_normal_log_prob(z) + log_det
""",
    ),
    "flow_base_density_at_x": (
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    z, total = x, 0.0
    for mask, s_net, t_net in flow:
        z, log_det = affine_coupling_forward(z, mask, s_net, t_net)
        total = total + log_det
    return standard_normal_log_prob(x) + total
""",
    ),
    "flow_layers_reversed": (
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    z, total = x, 0.0
    for mask, s_net, t_net in reversed(list(flow)):
        z, log_det = affine_coupling_forward(z, mask, s_net, t_net)
        total = total + log_det
    return standard_normal_log_prob(z) + total
""",
    ),
    "flow_every_layer_gets_x": (
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    z, total = x, 0.0
    for mask, s_net, t_net in flow:
        z, log_det = affine_coupling_forward(x, mask, s_net, t_net)
        total = total + log_det
    return standard_normal_log_prob(z) + total
""",
    ),
    "flow_not_differentiable": (
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
}

VARIANTS = {
    "normal_torch_distributions": (
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    return torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
""",
    ),
    "normal_multivariate": (
        "standard_normal_log_prob",
        """
def standard_normal_log_prob(z):
    dim = z.shape[-1]
    base = torch.distributions.MultivariateNormal(
        torch.zeros(dim, dtype=z.dtype), torch.eye(dim, dtype=z.dtype)
    )
    return base.log_prob(z)
""",
    ),
    "forward_where_and_two_calls_of_s": (
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
    "forward_index_selection": (
        "affine_coupling_forward",
        """
def affine_coupling_forward(x, mask, s_net, t_net):
    h = x * mask
    s = s_net(h)
    t = t_net(h)
    changed = mask == 0
    z = x.clone()
    z[:, changed] = x[:, changed] * s[:, changed].exp() + t[:, changed]
    return z, s[:, changed].sum(dim=1)
""",
    ),
    "forward_noisy_on_stderr": (
        "affine_coupling_forward",
        """
import warnings

def affine_coupling_forward(x, mask, s_net, t_net):
    warnings.warn("a harmless warning printed to stderr", UserWarning)
    print("and a line on stderr", file=sys.stderr)
    s, t = s_net(mask * x), t_net(mask * x)
    z = mask * x + (1 - mask) * (x * torch.exp(s) + t)
    return z, ((1 - mask) * s).sum(dim=1)
""",
    ),
    "inverse_where_and_division": (
        "affine_coupling_inverse",
        """
def affine_coupling_inverse(z, mask, s_net, t_net):
    keep = mask.bool()
    z_kept = torch.where(keep, z, torch.zeros_like(z))
    return torch.where(keep, z, (z - t_net(z_kept)) / torch.exp(s_net(z_kept)))
""",
    ),
    "flow_functools_reduce": (
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
    "flow_self_contained": (
        "flow_log_prob",
        """
def flow_log_prob(x, flow):
    # the coupling and the base density written out again, without exercises 1 and 2
    z = x
    log_det = torch.zeros(len(x), dtype=x.dtype)
    for mask, s_net, t_net in flow:
        s, t = s_net(mask * z), t_net(mask * z)
        z = mask * z + (1 - mask) * (z * torch.exp(s) + t)
        log_det = log_det + ((1 - mask) * s).sum(dim=1)
    base = torch.distributions.Normal(torch.zeros((), dtype=x.dtype), 1.0)
    return base.log_prob(z).sum(dim=1) + log_det
""",
    ),
}
