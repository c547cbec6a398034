"""Student answers for 02_vae used by the grading tests.

``MISTAKES``: plausible wrong answers, each in one solution cell; each must lose
the points of that cell's ``test_<name>`` and nothing else. Apart from the
mistakes about argument checks, each one keeps the checks the exercise asks
for, so that it fails for its own slip.
``VARIANTS``: correct answers written differently; each must keep full marks.
``CROSS``: submissions with two cells changed, and the only test that may lose points.
"""

_REPARAM_CHECKS = """
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
    if eps is not None:
        require_finite_tensors(eps=eps)
        require_same_shape("eps", eps, "mu", mu)
"""

_KL_CHECKS = """
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
"""

_ELBO_CHECKS = """
    require_finite_tensors(x=x, x_logits=x_logits, mu=mu, logvar=logvar)
    require_same_shape("x_logits", x_logits, "x", x)
    require_same_shape("logvar", logvar, "mu", mu)
    require_probabilities("x", x)
"""


def _reparameterize(body):
    return f"def reparameterize(mu, logvar, eps=None):{_REPARAM_CHECKS}{body}"


def _kl(body):
    return f"def kl_divergence(mu, logvar):{_KL_CHECKS}{body}"


def _elbo(body):
    return f"def negative_elbo(x, x_logits, mu, logvar):{_ELBO_CHECKS}{body}"


_BCE_NONE = (
    "    reconstruction = F.binary_cross_entropy_with_logits(\n"
    "        x_logits, x, reduction='none')\n"
)
_KL_LINE = "    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1)\n"

MISTAKES = {
    # --- reparameterize ---
    "reparam_exp_logvar": (
        "reparameterize",
        _reparameterize("""
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + torch.exp(logvar) * eps
"""),
    ),
    "reparam_sqrt_logvar": (
        "reparameterize",
        _reparameterize("""
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + torch.sqrt(logvar) * eps
"""),
    ),
    "reparam_ignores_given_eps": (
        "reparameterize",
        _reparameterize("""
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
"""),
    ),
    "reparam_zero_noise": (
        "reparameterize",
        _reparameterize("""
    if eps is None:
        eps = torch.zeros_like(mu)
    return mu + torch.exp(0.5 * logvar) * eps
"""),
    ),
    "reparam_uniform_noise": (
        "reparameterize",
        _reparameterize("""
    if eps is None:
        eps = torch.rand_like(mu)
    return mu + torch.exp(0.5 * logvar) * eps
"""),
    ),
    "reparam_detaches_mu": (
        "reparameterize",
        _reparameterize("""
    if eps is None:
        eps = torch.randn_like(mu)
    return mu.detach() + torch.exp(0.5 * logvar) * eps
"""),
    ),
    "reparam_torch_normal": (
        "reparameterize",
        _reparameterize("""
    std = torch.exp(0.5 * logvar)
    if eps is None:
        return torch.normal(mu, std)
    return mu + std * eps
"""),
    ),
    "reparam_sample_without_gradient": (
        "reparameterize",
        _reparameterize("""
    std = torch.exp(0.5 * logvar)
    if eps is None:
        return torch.distributions.Normal(mu, std).sample()
    return mu + std * eps
"""),
    ),
    "reparam_numpy_noise": (
        "reparameterize",
        _reparameterize("""
    if eps is None:
        import numpy as np

        eps = torch.as_tensor(np.random.standard_normal(tuple(mu.shape)), dtype=mu.dtype)
    return mu + torch.exp(0.5 * logvar) * eps
"""),
    ),
    "reparam_no_shape_checks": (
        "reparameterize",
        """
def reparameterize(mu, logvar, eps=None):
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + torch.exp(0.5 * logvar) * eps
""",
    ),
    # --- kl_divergence ---
    "kl_mean_over_latent": (
        "kl_divergence",
        _kl("""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).mean(dim=1)
"""),
    ),
    "kl_sign_error": (
        "kl_divergence",
        _kl("""
    return 0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
"""),
    ),
    "kl_missing_half": (
        "kl_divergence",
        _kl("""
    return (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1)
"""),
    ),
    "kl_logvar_as_variance": (
        "kl_divergence",
        _kl("""
    return 0.5 * (mu.pow(2) + logvar - 1 - torch.log(logvar)).sum(dim=1)
"""),
    ),
    "kl_std_as_variance": (
        "kl_divergence",
        _kl("""
    return 0.5 * (mu.pow(2) + torch.exp(0.5 * logvar) - 1 - logvar).sum(dim=1)
"""),
    ),
    "kl_sums_the_batch": (
        "kl_divergence",
        _kl("""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
"""),
    ),
    "kl_monte_carlo": (
        "kl_divergence",
        _kl("""
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    log_q = -0.5 * (logvar + (z - mu).pow(2) / logvar.exp())
    log_p = -0.5 * z.pow(2)
    return (log_q - log_p).sum(dim=1)
"""),
    ),
    "kl_no_shape_check": (
        "kl_divergence",
        """
def kl_divergence(mu, logvar):
    require_finite_tensors(mu=mu, logvar=logvar)
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1)
""",
    ),
    # --- negative_elbo ---
    "elbo_mse_on_sigmoid": (
        "negative_elbo",
        _elbo(
            "    reconstruction = (torch.sigmoid(x_logits) - x).pow(2).sum(dim=1)\n"
            + _KL_LINE
            + "    return (reconstruction + kl).mean()\n"
        ),
    ),
    "elbo_mean_over_pixels": (
        "negative_elbo",
        _elbo(_BCE_NONE + _KL_LINE + "    return (reconstruction.mean(dim=1) + kl).mean()\n"),
    ),
    "elbo_default_mean_reduction": (
        "negative_elbo",
        _elbo(
            "    reconstruction = F.binary_cross_entropy_with_logits(x_logits, x)\n"
            + _KL_LINE
            + "    return reconstruction + kl.mean()\n"
        ),
    ),
    "elbo_sums_the_batch": (
        "negative_elbo",
        _elbo(
            "    reconstruction = F.binary_cross_entropy_with_logits(\n"
            "        x_logits, x, reduction='sum')\n"
            + _KL_LINE
            + "    return reconstruction + kl.sum()\n"
        ),
    ),
    "elbo_forgets_kl": (
        "negative_elbo",
        _elbo("""
    reconstruction = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none")
    return reconstruction.sum(dim=1).mean()
"""),
    ),
    "elbo_subtracts_kl": (
        "negative_elbo",
        _elbo(_BCE_NONE + _KL_LINE + "    return (reconstruction.sum(dim=1) - kl).mean()\n"),
    ),
    "elbo_sigmoid_into_with_logits": (
        "negative_elbo",
        _elbo(
            "    probabilities = torch.sigmoid(x_logits)\n"
            "    reconstruction = F.binary_cross_entropy_with_logits(\n"
            "        probabilities, x, reduction='none')\n"
            + _KL_LINE
            + "    return (reconstruction.sum(dim=1) + kl).mean()\n"
        ),
    ),
    "elbo_logits_as_probabilities": (
        "negative_elbo",
        _elbo(
            "    reconstruction = F.binary_cross_entropy(x_logits, x, reduction='none')\n"
            + _KL_LINE
            + "    return (reconstruction.sum(dim=1) + kl).mean()\n"
        ),
    ),
    "elbo_sigmoid_then_log": (
        "negative_elbo",
        _elbo(
            "    p = torch.sigmoid(x_logits)\n"
            "    reconstruction = -(x * torch.log(p) + (1 - x) * torch.log(1 - p))\n"
            + _KL_LINE
            + "    return (reconstruction.sum(dim=1) + kl).mean()\n"
        ),
    ),
    "elbo_sigmoid_then_clamped_bce": (
        "negative_elbo",
        _elbo(
            "    p = torch.sigmoid(x_logits)\n"
            "    reconstruction = F.binary_cross_entropy(p, x, reduction='none')\n"
            + _KL_LINE
            + "    return (reconstruction.sum(dim=1) + kl).mean()\n"
        ),
    ),
    "elbo_no_range_check": (
        "negative_elbo",
        """
def negative_elbo(x, x_logits, mu, logvar):
    require_finite_tensors(x=x, x_logits=x_logits, mu=mu, logvar=logvar)
    require_same_shape("x_logits", x_logits, "x", x)
    require_same_shape("logvar", logvar, "mu", mu)
    reconstruction = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none")
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1)
    return (reconstruction.sum(dim=1) + kl).mean()
""",
    ),
}

VARIANTS = {
    # --- reparameterize ---
    "reparam_exp_of_half": (
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
    "reparam_distributions_rsample": (
        "reparameterize",
        """
from torch.distributions import Normal


def reparameterize(mu, logvar, eps=None):
    if not (isinstance(mu, torch.Tensor) and isinstance(logvar, torch.Tensor)):
        raise TypeError("mu and logvar must be tensors")
    if logvar.shape != mu.shape:
        raise ValueError(f"logvar has shape {tuple(logvar.shape)}, mu {tuple(mu.shape)}")
    if not (torch.isfinite(mu).all() and torch.isfinite(logvar).all()):
        raise ValueError("mu and logvar must be finite")
    std = logvar.mul(0.5).exp()
    if eps is None:
        return Normal(mu, std).rsample()
    if eps.shape != mu.shape or not torch.isfinite(eps).all():
        raise ValueError("eps must be finite and have the shape of mu")
    return mu + std * eps
""",
    ),
    "reparam_sqrt_of_exp_and_randn": (
        "reparameterize",
        """
def reparameterize(mu, logvar, eps=None):
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
    if eps is None:
        eps = torch.randn(mu.shape, dtype=mu.dtype)
    require_finite_tensors(eps=eps)
    require_same_shape("eps", eps, "mu", mu)
    return mu + torch.sqrt(torch.exp(logvar)) * eps
""",
    ),
    # --- kl_divergence ---
    "kl_kingma_welling_form": (
        "kl_divergence",
        """
def kl_divergence(mu, logvar):
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
""",
    ),
    "kl_torch_distributions": (
        "kl_divergence",
        """
import torch.distributions as D


def kl_divergence(mu, logvar):
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
    q = D.Normal(mu, torch.exp(0.5 * logvar))
    p = D.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return D.kl_divergence(q, p).sum(dim=1)
""",
    ),
    "kl_independent_normals": (
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
    # --- negative_elbo ---
    "elbo_bce_none_sum": (
        "negative_elbo",
        _elbo(_BCE_NONE + _KL_LINE + "    return (reconstruction.sum(1) + kl).mean()\n"),
    ),
    "elbo_bernoulli_log_prob": (
        "negative_elbo",
        _elbo("""
    decoder = torch.distributions.Bernoulli(logits=x_logits, validate_args=False)
    log_likelihood = decoder.log_prob(x).sum(dim=-1)
    kl = -0.5 * (1 + logvar - mu**2 - torch.exp(logvar)).sum(dim=-1)
    return torch.mean(-log_likelihood + kl)
"""),
    ),
    "elbo_softplus_formula": (
        "negative_elbo",
        _elbo("""
    reconstruction = (F.softplus(x_logits) - x * x_logits).sum(dim=1)
    return (reconstruction + kl_divergence(mu, logvar)).mean()
"""),
    ),
    "elbo_sum_divided_by_batch": (
        "negative_elbo",
        _elbo("""
    batch = x.shape[0]
    bce = F.binary_cross_entropy_with_logits(x_logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / batch
"""),
    ),
    "elbo_logsigmoid_and_noisy_stderr": (
        "negative_elbo",
        """
import warnings


def negative_elbo(x, x_logits, mu, logvar):
    warnings.warn("a harmless warning printed to stderr", UserWarning)
    require_finite_tensors(x=x, x_logits=x_logits, mu=mu, logvar=logvar)
    require_same_shape("x_logits", x_logits, "x", x)
    require_same_shape("logvar", logvar, "mu", mu)
    require_probabilities("x", x)
    log_p = x * F.logsigmoid(x_logits) + (1 - x) * F.logsigmoid(-x_logits)
    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)
    return (-log_p.sum(1) + kl).mean()
""",
    ),
}

# A negative_elbo that calls a wrong kl_divergence loses points on test_kl_divergence only.
CROSS = {
    "wrong_kl_used_by_a_correct_elbo": (
        {
            "kl_divergence": MISTAKES["kl_mean_over_latent"][1],
            "negative_elbo": VARIANTS["elbo_softplus_formula"][1],
        },
        "test_kl_divergence",
    ),
}
