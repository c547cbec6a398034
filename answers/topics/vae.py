"""Answers to 02_vae: mistakes, right answers written otherwise, plain answers, the demo student.

Mistakes are mutations of the solution where the slip is one expression
(``Edit``), and whole functions where a student would write something else.
Plain answers are what a student writes with ``torch.distributions`` or
``F.binary_cross_entropy_with_logits`` and no argument checks: they keep
``test_<name>`` and lose only the ``_errors`` cell of their exercise.
"""

from answers import UNATTEMPTED, Edit, correct, cross, mistake, plain, unattempted

ASSIGNMENT = "02_vae"

_DRAW = "        eps = torch.randn_like(mu)\n"
_Z = "return mu + torch.exp(0.5 * logvar) * eps"
_KL = "return 0.5 * (mu.pow(2) + torch.expm1(logvar) - logvar).sum(dim=1)"
_BCE = 'F.binary_cross_entropy_with_logits(x_logits, x, reduction="none")'
_LOSS = "return (reconstruction + kl_divergence(mu, logvar)).mean()"

#: A right negative_elbo as a student writes it: summed BCE over the batch size, plus the KL.
ELBO_PLAIN_SUM = """
def negative_elbo(x, x_logits, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(x_logits, x, reduction="sum") / x.shape[0]
    return bce + kl_divergence(mu, logvar).mean()
"""

#: A right negative_elbo with the checks, through torch.distributions.Bernoulli.
ELBO_BERNOULLI_CHECKED = """
def negative_elbo(x, x_logits, mu, logvar):
    require_finite_tensors(x=x, x_logits=x_logits, mu=mu, logvar=logvar)
    require_same_shape("x_logits", x_logits, "x", x)
    require_probabilities("x", x)
    decoder = torch.distributions.Bernoulli(logits=x_logits, validate_args=False)
    log_likelihood = decoder.log_prob(x).sum(dim=-1)
    return torch.mean(-log_likelihood + kl_divergence(mu, logvar))
"""

ANSWERS = [
    # --- reparameterize --------------------------------------------------------------------------
    mistake(
        "reparam_exp_logvar", "reparameterize", Edit(_Z, "return mu + torch.exp(logvar) * eps")
    ),
    mistake(
        "reparam_sqrt_logvar", "reparameterize", Edit(_Z, "return mu + torch.sqrt(logvar) * eps")
    ),
    mistake(
        "reparam_ignores_given_eps",
        "reparameterize",
        Edit(_Z, "return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)"),
    ),
    mistake(
        "reparam_zero_noise",
        "reparameterize",
        Edit(_DRAW, "        eps = torch.zeros_like(mu)\n"),
    ),
    mistake(
        "reparam_uniform_noise",
        "reparameterize",
        Edit(_DRAW, "        eps = torch.rand_like(mu)\n"),
    ),
    mistake(
        "reparam_same_noise_every_call",
        "reparameterize",
        Edit(
            _DRAW,
            "        generator = torch.Generator().manual_seed(0)\n"
            "        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)\n",
        ),
    ),
    mistake(
        "reparam_numpy_noise",
        "reparameterize",
        Edit(
            _DRAW,
            "        import numpy as np\n\n"
            "        noise = np.random.standard_normal(tuple(mu.shape))\n"
            "        eps = torch.as_tensor(noise, dtype=mu.dtype)\n",
        ),
    ),
    mistake(
        "reparam_detaches_mu",
        "reparameterize",
        Edit("return mu + torch", "return mu.detach() + torch"),
    ),
    mistake(
        "reparam_detaches_logvar",
        "reparameterize",
        Edit("torch.exp(0.5 * logvar) * eps", "torch.exp(0.5 * logvar.detach()) * eps"),
    ),
    mistake(
        "reparam_returns_float32",
        "reparameterize",
        Edit(_Z, "return (mu + torch.exp(0.5 * logvar) * eps).float()"),
    ),
    mistake(
        "reparam_torch_normal",
        "reparameterize",
        Edit(_DRAW, "        return torch.normal(mu, torch.exp(0.5 * logvar))\n"),
    ),
    mistake(
        "reparam_sample_without_gradient",
        "reparameterize",
        Edit(
            _DRAW,
            "        return torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).sample()\n",
        ),
    ),
    # Argument checks: the formula is right, only the errors cell is lost.
    mistake(
        "reparam_checks_logvar_but_not_eps",
        "reparameterize",
        Edit('    require_same_shape("eps", eps, "mu", mu)\n', ""),
        loses=["test_reparameterize_errors"],
    ),
    mistake(
        "reparam_checks_only_that_shapes_broadcast",
        "reparameterize",
        """
def reparameterize(mu, logvar, eps=None):
    if eps is None:
        eps = torch.randn_like(mu)
    try:
        torch.broadcast_shapes(mu.shape, logvar.shape, eps.shape)
    except RuntimeError as error:
        raise ValueError(f"incompatible shapes: {error}") from None
    return mu + torch.exp(0.5 * logvar) * eps
""",
        loses=["test_reparameterize_errors"],
    ),
    correct(
        "reparam_without_checks",
        "reparameterize",
        [
            Edit("    require_finite_tensors(mu=mu, logvar=logvar)\n", ""),
            Edit('    require_same_shape("logvar", logvar, "mu", mu)\n', ""),
            Edit("    require_finite_tensors(eps=eps)\n", ""),
            Edit('    require_same_shape("eps", eps, "mu", mu)\n', ""),
        ],
        loses=["test_reparameterize_errors"],
    ),
    correct(
        "reparam_exp_of_half",
        "reparameterize",
        """
def reparameterize(mu, logvar, eps=None):
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
    std = torch.exp(logvar / 2)
    if eps is None:
        eps = torch.randn_like(std)
    else:
        require_finite_tensors(eps=eps)
        require_same_shape("eps", eps, "mu", mu)
    return eps.mul(std).add(mu)
""",
    ),
    correct(
        "reparam_sqrt_of_exp_and_randn",
        "reparameterize",
        """
def reparameterize(mu, logvar, eps=None):
    if logvar.shape != mu.shape or (eps is not None and eps.shape != mu.shape):
        raise ValueError("logvar and eps must have the shape of mu")
    if eps is None:
        eps = torch.randn(mu.shape, dtype=mu.dtype)
    return mu + torch.sqrt(torch.exp(logvar)) * eps
""",
    ),
    plain(
        "reparam_plain_rsample",
        "reparameterize",
        """
from torch.distributions import Normal


def reparameterize(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        return Normal(mu, std).rsample()
    return mu + std * eps
""",
        loses=["test_reparameterize_errors"],
    ),
    plain(
        "reparam_plain_one_line",
        "reparameterize",
        """
def reparameterize(mu, logvar, eps=None):
    return mu + (logvar / 2).exp() * (torch.randn_like(mu) if eps is None else eps)
""",
        loses=["test_reparameterize_errors"],
    ),
    # --- kl_divergence ---------------------------------------------------------------------------
    mistake("kl_mean_over_latent", "kl_divergence", Edit(".sum(dim=1)", ".mean(dim=1)")),
    mistake("kl_sign_error", "kl_divergence", Edit("return 0.5 *", "return -0.5 *")),
    mistake("kl_missing_half", "kl_divergence", Edit("return 0.5 * (", "return (")),
    mistake(
        "kl_logvar_as_variance",
        "kl_divergence",
        Edit("torch.expm1(logvar) - logvar", "logvar - 1 - torch.log(logvar)"),
    ),
    mistake(
        "kl_std_as_variance",
        "kl_divergence",
        Edit("torch.expm1(logvar) - logvar", "torch.exp(0.5 * logvar) - 1 - logvar"),
    ),
    mistake(
        "kl_forgets_the_minus_one",
        "kl_divergence",
        Edit("torch.expm1(logvar) - logvar", "torch.exp(logvar) - logvar"),
    ),
    mistake("kl_sums_the_batch", "kl_divergence", Edit(".sum(dim=1)", ".sum()")),
    mistake("kl_sums_over_the_batch_axis", "kl_divergence", Edit(".sum(dim=1)", ".sum(dim=0)")),
    mistake(
        "kl_in_float32",
        "kl_divergence",
        Edit(
            _KL,
            "return 0.5 * (mu.float() ** 2 + torch.expm1(logvar.float()) - logvar.float()).sum(1)",
        ),
    ),
    mistake(
        "kl_monte_carlo",
        "kl_divergence",
        """
def kl_divergence(mu, logvar):
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    log_q = -0.5 * (logvar + (z - mu).pow(2) / logvar.exp())
    log_p = -0.5 * z.pow(2)
    return (log_q - log_p).sum(dim=1)
""",
    ),
    correct(
        "kl_without_checks",
        "kl_divergence",
        [
            Edit("    require_finite_tensors(mu=mu, logvar=logvar)\n", ""),
            Edit('    require_same_shape("logvar", logvar, "mu", mu)\n', ""),
        ],
    ),
    correct(
        "kl_independent_normals",
        "kl_divergence",
        """
from torch.distributions import Independent, Normal
from torch.distributions import kl_divergence as _torch_kl


def kl_divergence(mu, logvar):
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
    q = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    return _torch_kl(q, prior)
""",
    ),
    plain(
        "kl_plain_distributions",
        "kl_divergence",
        """
from torch.distributions import Normal


def kl_divergence(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return torch.distributions.kl_divergence(Normal(mu, std), Normal(0, 1)).sum(1)
""",
    ),
    plain(
        "kl_plain_kingma_welling",
        "kl_divergence",
        """
def kl_divergence(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp(), dim=1)
""",
    ),
    # --- negative_elbo ---------------------------------------------------------------------------
    mistake(
        "elbo_mean_over_pixels",
        "negative_elbo",
        Edit('reduction="none").sum(dim=1)', 'reduction="none").mean(dim=1)'),
    ),
    mistake(
        "elbo_sums_the_batch",
        "negative_elbo",
        Edit(_LOSS, "return (reconstruction + kl_divergence(mu, logvar)).sum()"),
    ),
    mistake("elbo_forgets_kl", "negative_elbo", Edit(_LOSS, "return reconstruction.mean()")),
    mistake(
        "elbo_subtracts_kl",
        "negative_elbo",
        Edit("reconstruction + kl_divergence", "reconstruction - kl_divergence"),
    ),
    mistake(
        "elbo_default_mean_reduction",
        "negative_elbo",
        [
            Edit(f"{_BCE}.sum(dim=1)", "F.binary_cross_entropy_with_logits(x_logits, x)"),
            Edit(_LOSS, "return reconstruction + kl_divergence(mu, logvar).mean()"),
        ],
    ),
    mistake(
        "elbo_mse_on_sigmoid", "negative_elbo", Edit(_BCE, "(torch.sigmoid(x_logits) - x).pow(2)")
    ),
    mistake(
        "elbo_sigmoid_into_with_logits",
        "negative_elbo",
        Edit("_with_logits(x_logits, x,", "_with_logits(torch.sigmoid(x_logits), x,"),
    ),
    mistake(
        "elbo_logits_as_probabilities",
        "negative_elbo",
        Edit("F.binary_cross_entropy_with_logits(", "F.binary_cross_entropy("),
    ),
    mistake(
        "elbo_sigmoid_then_log",
        "negative_elbo",
        Edit(
            _BCE,
            "-(x * torch.log(torch.sigmoid(x_logits))"
            " + (1 - x) * torch.log(1 - torch.sigmoid(x_logits)))",
        ),
    ),
    mistake(
        "elbo_sigmoid_then_clamped_bce",
        "negative_elbo",
        Edit(_BCE, 'F.binary_cross_entropy(torch.sigmoid(x_logits), x, reduction="none")'),
    ),
    mistake(
        "elbo_in_float32",
        "negative_elbo",
        Edit(_LOSS, "return (reconstruction + kl_divergence(mu, logvar)).mean().float()"),
    ),
    mistake(
        "elbo_rebuilds_the_loss_tensor",
        "negative_elbo",
        Edit(
            _LOSS, "return torch.tensor((reconstruction + kl_divergence(mu, logvar)).mean().item())"
        ),
    ),
    # Argument checks: the formula is right, only the errors cell is lost.
    mistake(
        "elbo_clamps_pixels_instead_of_raising",
        "negative_elbo",
        Edit('    require_probabilities("x", x)\n', "    x = x.clamp(0, 1)\n"),
        loses=["test_negative_elbo_errors"],
    ),
    mistake(
        "elbo_checks_only_the_upper_bound",
        "negative_elbo",
        Edit(
            '    require_probabilities("x", x)\n',
            "    if (x > 1).any():\n        raise ValueError('x must lie in [0, 1]')\n",
        ),
        loses=["test_negative_elbo_errors"],
    ),
    correct(
        "elbo_bernoulli_with_checks",
        "negative_elbo",
        ELBO_BERNOULLI_CHECKED,
    ),
    correct(
        "elbo_logsigmoid_and_noisy_stderr",
        "negative_elbo",
        """
import warnings


def negative_elbo(x, x_logits, mu, logvar):
    warnings.warn("a harmless warning printed to stderr", UserWarning)
    require_probabilities("x", x)
    log_p = x * F.logsigmoid(x_logits) + (1 - x) * F.logsigmoid(-x_logits)
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)
    return (-log_p.sum(1) + kl).mean()
""",
    ),
    plain(
        "elbo_plain_sum_over_batch",
        "negative_elbo",
        ELBO_PLAIN_SUM,
        loses=["test_negative_elbo_errors"],
    ),
    plain(
        "elbo_plain_softplus_inline_kl",
        "negative_elbo",
        """
def negative_elbo(x, x_logits, mu, logvar):
    reconstruction = (F.softplus(x_logits) - x * x_logits).sum(1)
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)
    return (reconstruction + kl).mean()
""",
        loses=["test_negative_elbo_errors"],
    ),
    plain(
        "elbo_plain_bernoulli",
        "negative_elbo",
        """
from torch.distributions import Bernoulli


def negative_elbo(x, x_logits, mu, logvar):
    log_px = Bernoulli(logits=x_logits, validate_args=False).log_prob(x).sum(1)
    return (kl_divergence(mu, logvar) - log_px).mean()
""",
        loses=["test_negative_elbo_errors"],
    ),
    unattempted("negative_elbo"),
    # --- Across cells: a right negative_elbo that calls a wrong or missing kl_divergence loses
    # test_kl_divergence only (test_negative_elbo grades with the answer key's kl_divergence).
    cross(
        "wrong_kl_used_by_a_plain_elbo",
        {"kl_divergence": Edit(".sum(dim=1)", ".mean(dim=1)"), "negative_elbo": ELBO_PLAIN_SUM},
        loses=["test_kl_divergence", "test_negative_elbo_errors"],
    ),
    cross(
        "missing_kl_used_by_a_checked_elbo",
        {"kl_divergence": UNATTEMPTED, "negative_elbo": ELBO_BERNOULLI_CHECKED},
        loses=["test_kl_divergence"],
    ),
]

#: Right reparameterize; the KL term averaged over the latent dimensions; no loss.
DEMO_STUDENT = ["kl_mean_over_latent", "negative_elbo_unattempted"]
