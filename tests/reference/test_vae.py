"""Oracle tests for ``course/reference/vae.py``.

The oracles are independent of the reference formulas: ``torch.distributions``
(``Normal``, ``Independent``, ``kl_divergence``, ``Bernoulli``), autograd
gradients against the analytic ones (and ``gradcheck`` in float64), a
Monte-Carlo estimate of the KL term, an exact log-likelihood computed by
quadrature for a one-dimensional latent model (the ELBO must bound it from
below), values worked out by hand with the ``math`` module, and the argument
checks promised by the docstrings.
"""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Bernoulli, Independent, Normal
from torch.distributions import kl_divergence as torch_kl

from course.reference.vae import kl_divergence, negative_elbo, reparameterize
from course.vae import VAE, evaluate_negative_elbo, latent_grid, split_indices, train_vae

FLOAT_DTYPES = (torch.float32, torch.float64)
HYPOTHESIS = settings(deadline=None, max_examples=100, derandomize=True)
LN2 = math.log(2.0)


def _gaussians(batch, latent, dtype=torch.float64, seed=0, spread=2.0):
    """Seeded ``(mu, logvar)`` of shape (batch, latent): means and log-variances in a range.

    Normal draws are made in float64 (the same on every CPU), then rounded to ``dtype``.
    """
    generator = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch, latent, generator=generator, dtype=torch.float64).to(dtype) * spread
    logvar = (torch.rand(batch, latent, generator=generator, dtype=dtype) * 2 - 1) * 2 * spread
    return mu, logvar


def _images(batch, pixels, dtype=torch.float64, seed=0, binary=False):
    """Seeded ``(x, x_logits)``: pixels in [0, 1] (some exactly 0 or 1), logits (float64 draws)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(batch, pixels, generator=generator, dtype=dtype)
    x = (x > 0.5).to(dtype) if binary else x.where(x > 0.2, 0.0).where(x < 0.8, 1.0)
    x_logits = torch.randn(batch, pixels, generator=generator, dtype=torch.float64).to(dtype) * 4
    return x, x_logits


def _oracle_kl(mu, logvar):
    """KL(q || N(0, I)) per sample from torch.distributions (Independent over the last dim)."""
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    return torch_kl(q, prior)


def _oracle_negative_elbo(x, x_logits, mu, logvar):
    """Batch mean of -log Bernoulli(x | logits) summed over pixels + the torch KL."""
    log_likelihood = Bernoulli(logits=x_logits, validate_args=False).log_prob(x).sum(dim=1)
    return (-log_likelihood + _oracle_kl(mu, logvar)).mean()


def _close(got, expected, what, rtol, atol):
    assert got.shape == expected.shape, (
        f"{what}: shape {tuple(got.shape)}, expected {expected.shape}"
    )
    gap = (got.double() - expected.double()).abs().max().item() if got.numel() else 0.0
    assert torch.allclose(got.double(), expected.double(), rtol=rtol, atol=atol), (
        f"{what}: largest difference {gap:.3g}; expected {expected.flatten()[:4].tolist()}, "
        f"got {got.flatten()[:4].tolist()}"
    )


# --- reparameterize ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_reparameterize_known_values(dtype):
    """mu = [0, 1, -2], sigma = [1, 2, 1/2], eps = [1, -1, 2] gives z = [1, -1, -1]."""
    mu = torch.tensor([0.0, 1.0, -2.0], dtype=dtype)
    logvar = torch.tensor([0.0, 2 * LN2, -2 * LN2], dtype=dtype)
    eps = torch.tensor([1.0, -1.0, 2.0], dtype=dtype)
    got = reparameterize(mu, logvar, eps)
    assert got.dtype == dtype
    _close(got, torch.tensor([1.0, -1.0, -1.0]), "reparameterize(known values)", 1e-6, 1e-6)


@pytest.mark.parametrize("shape", [(), (5,), (4, 3), (2, 3, 4)])
def test_reparameterize_matches_normal_with_the_same_noise(shape):
    """z is Normal(mu, exp(logvar/2)) moved by eps: (z - loc) / scale == eps, rsample agrees."""
    generator = torch.Generator().manual_seed(11)
    mu = torch.randn(shape, generator=generator, dtype=torch.float64) * 3
    logvar = torch.randn(shape, generator=generator, dtype=torch.float64) * 2
    eps = torch.randn(shape, generator=generator, dtype=torch.float64)
    q = Normal(mu, torch.exp(0.5 * logvar))
    z = reparameterize(mu, logvar, eps)
    _close((z - q.loc) / q.scale, eps, "standardized z", 1e-12, 1e-12)
    # Normal.rsample draws its own noise from the global generator with torch.normal;
    # reseeding and drawing the same noise by hand reproduces its sample exactly.
    torch.manual_seed(5)
    sample = q.rsample()
    torch.manual_seed(5)
    noise = torch.normal(
        torch.zeros(shape, dtype=torch.float64), torch.ones(shape, dtype=torch.float64)
    )
    _close(
        reparameterize(mu, logvar, noise), sample, "reparameterize vs Normal.rsample", 1e-12, 1e-12
    )


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_reparameterize_gradients_match_the_analytic_ones(dtype):
    """dz/dmu = 1 and dz/dlogvar = exp(logvar/2) * eps / 2, element by element (autograd.grad)."""
    mu, logvar = _gaussians(6, 4, dtype=dtype, seed=1)
    eps = torch.randn(6, 4, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    eps = eps.to(dtype)  # drawn in float64: the same on every CPU
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    upstream = torch.randn(6, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    upstream = upstream.to(dtype)
    z = reparameterize(mu, logvar, eps)
    grad_mu, grad_logvar = torch.autograd.grad(z, (mu, logvar), grad_outputs=upstream)
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    _close(grad_mu, upstream, "dL/dmu", tol, tol)
    expected = upstream * 0.5 * torch.exp(0.5 * logvar.detach()) * eps
    _close(grad_logvar, expected, "dL/dlogvar", tol, tol)


def test_reparameterize_passes_gradcheck():
    """Finite differences in float64 agree with autograd for mu, logvar and a given eps."""
    mu, logvar = _gaussians(3, 2, seed=4, spread=1.0)
    eps = torch.randn(3, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    inputs = tuple(t.clone().requires_grad_(True) for t in (mu, logvar, eps))
    assert torch.autograd.gradcheck(reparameterize, inputs)


def test_reparameterize_drawn_noise_has_the_right_moments():
    """With eps=None, 200,000 seeded draws have the mean mu and variance exp(logvar)."""
    n = 200_000
    mu = torch.tensor([1.5, -2.0, 0.0]).expand(n, 3)
    logvar = torch.log(torch.tensor([1.0, 0.25, 9.0])).expand(n, 3)
    torch.manual_seed(0)
    z = reparameterize(mu, logvar).double()
    sigma = torch.tensor([1.0, 0.5, 3.0], dtype=torch.float64)
    standard = (z - mu.double()) / sigma
    # Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; allow 5 of them.
    assert standard.mean(0).abs().max() < 5 / math.sqrt(n), standard.mean(0)
    assert (standard.var(0) - 1).abs().max() < 5 * math.sqrt(2 / n), standard.var(0)
    # Gaussian, not another distribution with the same two moments: P(|eps| > 2) = 4.55 %.
    tail = (standard.abs() > 2).double().mean(0)
    assert (tail - 0.0455).abs().max() < 0.003, tail
    correlation = torch.corrcoef(standard.T)
    assert (correlation - torch.eye(3, dtype=torch.float64)).abs().max() < 0.01, correlation


def test_reparameterize_follows_the_global_seed():
    """eps=None draws torch.randn_like(mu): manual_seed repeats the draw, a new call differs."""
    mu, logvar = _gaussians(4, 3, dtype=torch.float32, seed=6)
    torch.manual_seed(123)
    first = reparameterize(mu, logvar)
    second = reparameterize(mu, logvar)
    torch.manual_seed(123)
    again = reparameterize(mu, logvar)
    torch.manual_seed(123)
    by_hand = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    assert torch.equal(first, again)
    assert torch.equal(first, by_hand)
    assert not torch.equal(first, second)


def test_reparameterize_drawn_noise_keeps_gradients_and_dtype():
    """With eps=None z is still differentiable in mu and logvar, and keeps float64."""
    mu, logvar = _gaussians(5, 2, seed=7)
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    torch.manual_seed(1)
    z = reparameterize(mu, logvar)
    assert z.dtype == torch.float64
    grad_mu, grad_logvar = torch.autograd.grad(z.sum(), (mu, logvar))
    assert torch.equal(grad_mu, torch.ones_like(mu))
    eps = (z.detach() - mu.detach()) / torch.exp(0.5 * logvar.detach())
    _close(grad_logvar, 0.5 * torch.exp(0.5 * logvar.detach()) * eps, "dz/dlogvar", 1e-10, 1e-10)


def test_reparameterize_does_not_modify_its_inputs():
    """mu, logvar and eps are left untouched."""
    mu, logvar = _gaussians(3, 3, seed=8)
    eps = torch.ones(3, 3, dtype=torch.float64)
    copies = [t.clone() for t in (mu, logvar, eps)]
    reparameterize(mu, logvar, eps)
    assert all(torch.equal(a, b) for a, b in zip((mu, logvar, eps), copies, strict=True))


@given(
    st.lists(st.floats(-50, 50), min_size=1, max_size=8),
    st.lists(st.floats(-20, 20), min_size=8, max_size=8),
    st.lists(st.floats(-5, 5), min_size=8, max_size=8),
)
@HYPOTHESIS
def test_property_reparameterize_is_mu_plus_sigma_eps(mus, logvars, epss):
    """For any finite mu, logvar, eps: (z - mu) / exp(logvar / 2) recovers eps."""
    n = len(mus)
    mu = torch.tensor(mus, dtype=torch.float64)
    logvar = torch.tensor(logvars[:n], dtype=torch.float64)
    eps = torch.tensor(epss[:n], dtype=torch.float64)
    z = reparameterize(mu, logvar, eps)
    recovered = (z - mu) / torch.exp(0.5 * logvar)
    # z - mu cancels digits when |mu| is much larger than sigma * |eps|.
    tolerance = 1e-12 * (1 + mu.abs() / torch.exp(0.5 * logvar))
    assert ((recovered - eps).abs() <= tolerance + 1e-12).all(), (mu, logvar, eps, z)


# --- kl_divergence -------------------------------------------------------------------------------


def test_kl_known_values():
    """Worked by hand: 0 for the prior, 2.5 for mu = (1, 2), (3 - ln 4) / 2 for sigma = 2."""
    mu = torch.tensor([[0.0, 0.0], [1.0, 2.0], [0.0, 0.0], [0.0, 0.0]], dtype=torch.float64)
    logvar = torch.tensor(
        [[0.0, 0.0], [0.0, 0.0], [2 * LN2, 0.0], [2 * LN2, -2 * LN2]], dtype=torch.float64
    )
    # sigma^2 = 4: (4 - 1 - ln 4) / 2; sigma^2 = 1/4: (1/4 - 1 + ln 4) / 2; they sum to 9/8.
    expected = torch.tensor([0.0, 2.5, (3 - 2 * LN2) / 2, 9 / 8], dtype=torch.float64)
    _close(kl_divergence(mu, logvar), expected, "kl_divergence(known values)", 1e-14, 1e-14)


@pytest.mark.parametrize(
    "dtype, rtol, atol", [(torch.float32, 1e-5, 1e-4), (torch.float64, 1e-12, 1e-12)]
)
@pytest.mark.parametrize("batch, latent", [(1, 1), (7, 2), (16, 8), (3, 50)])
def test_kl_matches_torch_distributions(dtype, rtol, atol, batch, latent):
    """Per sample, equals torch.distributions.kl_divergence of Independent Normals."""
    mu, logvar = _gaussians(batch, latent, dtype=dtype, seed=batch * 100 + latent)
    got = kl_divergence(mu, logvar)
    assert got.dtype == dtype and got.shape == (batch,)
    _close(got, _oracle_kl(mu.double(), logvar.double()), "kl_divergence", rtol, atol)


def test_kl_is_the_sum_of_one_dimensional_kls():
    """Summed (not averaged) over latent dimensions: sum of per-dimension Normal KLs."""
    mu, logvar = _gaussians(5, 6, seed=12)
    per_dim = torch_kl(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0))
    _close(kl_divergence(mu, logvar), per_dim.sum(dim=1), "sum of per-dim KL", 1e-12, 1e-12)


def test_kl_agrees_with_a_monte_carlo_estimate():
    """E_q[log q(z) - log p(z)] over 400,000 seeded draws is within 5 standard errors."""
    mu = torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.3, -1.2, 0.8], [1.5, -0.5, 0.0]], dtype=torch.float64)
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    generator = torch.Generator().manual_seed(21)
    eps = torch.randn(400_000, *mu.shape, generator=generator, dtype=torch.float64)
    z = mu + torch.exp(0.5 * logvar) * eps
    log_ratio = q.log_prob(z) - prior.log_prob(z)
    estimate = log_ratio.mean(0)
    standard_error = log_ratio.std(0) / math.sqrt(len(eps))
    gap = (kl_divergence(mu, logvar) - estimate).abs()
    assert (gap < 5 * standard_error).all(), (gap, standard_error)


def test_kl_gradients_match_the_analytic_ones():
    """dKL/dmu = mu and dKL/dlogvar = (exp(logvar) - 1) / 2; gradcheck passes in float64."""
    mu, logvar = _gaussians(4, 3, seed=13)
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    grad_mu, grad_logvar = torch.autograd.grad(kl_divergence(mu, logvar).sum(), (mu, logvar))
    _close(grad_mu, mu.detach(), "dKL/dmu", 1e-12, 1e-12)
    _close(grad_logvar, 0.5 * torch.expm1(logvar.detach()), "dKL/dlogvar", 1e-12, 1e-12)
    small = tuple(t.detach()[:2].clone().requires_grad_(True) for t in (mu, logvar))
    assert torch.autograd.gradcheck(kl_divergence, small)


@given(
    st.integers(1, 5),
    st.integers(1, 6),
    st.integers(0, 2**31 - 1),
    st.floats(0.0, 10.0),
)
@HYPOTHESIS
def test_property_kl_is_non_negative_and_zero_only_at_the_prior(batch, latent, seed, spread):
    """KL >= 0 always, and KL = 0 exactly when mu = 0 and logvar = 0."""
    mu, logvar = _gaussians(batch, latent, seed=seed, spread=spread)
    kl = kl_divergence(mu, logvar)
    assert (kl >= 0).all(), (mu, logvar, kl)
    zero = torch.zeros(batch, latent, dtype=torch.float64)
    assert torch.equal(kl_divergence(zero, zero), torch.zeros(batch, dtype=torch.float64))
    if spread > 0.1:
        assert (kl > 0).all()


# --- negative_elbo -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_negative_elbo_known_values(dtype):
    """Worked by hand: logits 0 cost ln 2 a pixel; a logit l with x = 1 costs ln(1 + e^-l)."""
    x = torch.tensor([[1.0, 0.0], [1.0, 0.5]], dtype=dtype)
    x_logits = torch.tensor([[0.0, 0.0], [2.0, -1.0]], dtype=dtype)
    mu = torch.tensor([[0.0], [1.0]], dtype=dtype)
    logvar = torch.zeros(2, 1, dtype=dtype)
    first = 2 * LN2  # KL 0
    # pixel 2: x = 1/2, BCE = softplus(l) - x l = ln(1 + e^-1) + 1 - 1/2; KL = 1/2.
    second = math.log1p(math.exp(-2.0)) + math.log1p(math.exp(-1.0)) + 1.0 - 0.5 + 0.5
    got = negative_elbo(x, x_logits, mu, logvar)
    assert got.shape == () and got.dtype == dtype
    _close(got, torch.tensor((first + second) / 2), "negative_elbo(known values)", 1e-6, 1e-6)


@pytest.mark.parametrize(
    "dtype, rtol, atol", [(torch.float32, 1e-5, 1e-4), (torch.float64, 1e-12, 1e-10)]
)
@pytest.mark.parametrize("batch, pixels, latent", [(1, 1, 1), (5, 64, 2), (32, 64, 8), (3, 7, 4)])
def test_negative_elbo_matches_bernoulli_log_prob_and_torch_kl(
    dtype, rtol, atol, batch, pixels, latent
):
    """Equals the batch mean of -Bernoulli(logits).log_prob(x).sum(pixels) + torch KL."""
    x, x_logits = _images(batch, pixels, dtype=dtype, seed=batch + pixels)
    mu, logvar = _gaussians(batch, latent, dtype=dtype, seed=latent)
    got = negative_elbo(x, x_logits, mu, logvar)
    assert got.shape == () and got.dtype == dtype
    expected = _oracle_negative_elbo(*(t.double() for t in (x, x_logits, mu, logvar)))
    _close(got, expected, "negative_elbo", rtol, atol)


def test_negative_elbo_on_binary_images_uses_a_validated_bernoulli():
    """On binary x the default (validating) Bernoulli and BCE-with-logits per sample agree too."""
    x, x_logits = _images(6, 64, seed=30, binary=True)
    mu, logvar = _gaussians(6, 2, seed=31)
    log_likelihood = Bernoulli(logits=x_logits).log_prob(x).sum(dim=1)
    bce = F.binary_cross_entropy_with_logits(x_logits, x, reduction="sum") / len(x)
    kl = _oracle_kl(mu, logvar).mean()
    got = negative_elbo(x, x_logits, mu, logvar)
    _close(got, (-log_likelihood).mean() + kl, "negative_elbo vs Bernoulli", 1e-12, 1e-12)
    _close(got, bce + kl, "negative_elbo vs BCE with reduction='sum' / B", 1e-12, 1e-12)


def test_negative_elbo_takes_its_kl_term_from_kl_divergence():
    """The KL term is kl_divergence's: bitwise the same, and exact for logvar near 0 in float32.

    With pixels predicted perfectly (logits +-100) the loss is the KL term alone. For
    logvar = +-1e-3 that term is about 5e-7 per dimension: the expm1 form of kl_divergence
    keeps its digits (2e-7 relative error here), while exp(logvar) - 1 - logvar in float32
    is off by 0.2 %.
    """
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    x_logits = torch.tensor([[100.0, -100.0], [-100.0, 100.0]])
    mu = torch.zeros(2, 3)
    logvar = torch.tensor([[1e-3, -1e-3, 2e-3], [-2e-3, 5e-4, 1e-3]])
    got = negative_elbo(x, x_logits, mu, logvar)
    assert torch.equal(got, kl_divergence(mu, logvar).mean())
    exact = _oracle_kl(mu.double(), logvar.double()).mean()
    _close(got, exact, "negative_elbo's KL term for logvar near 0 (float32)", 1e-5, 0.0)


@pytest.mark.parametrize("logit", [30.0, 100.0, 1000.0])
def test_negative_elbo_is_exact_for_extreme_logits(logit):
    """A pixel 0 predicted with logit l costs l nats (no sigmoid-then-log overflow), in float32."""
    x = torch.tensor([[0.0, 1.0]])
    x_logits = torch.tensor([[logit, -logit]])
    zero = torch.zeros(1, 1)
    got = negative_elbo(x, x_logits, zero, zero)
    _close(got, torch.tensor(2 * logit), f"negative_elbo with logits +-{logit}", 1e-6, 1e-4)


def test_negative_elbo_gradient_with_respect_to_the_logits():
    """d loss / d logits = (sigmoid(logits) - x) / B; gradcheck passes in float64."""
    x, x_logits = _images(4, 5, seed=40)
    mu, logvar = _gaussians(4, 2, seed=41)
    x_logits.requires_grad_(True)
    (grad,) = torch.autograd.grad(negative_elbo(x, x_logits, mu, logvar), x_logits)
    _close(grad, (torch.sigmoid(x_logits.detach()) - x) / 4, "d loss / d logits", 1e-12, 1e-12)
    inputs = (
        x_logits.detach().clone().requires_grad_(True),
        mu.requires_grad_(True),
        logvar.requires_grad_(True),
    )
    assert torch.autograd.gradcheck(lambda lo, m, lv: negative_elbo(x, lo, m, lv), inputs)


def test_negative_elbo_bounds_the_exact_log_likelihood():
    """-ELBO >= -log p(x), computed by quadrature for a model with a 1-D latent z.

    Decoder: logits = a * z + b for 6 binary pixels; p(x) = int N(z; 0, 1) prod Bern(x | z) dz.
    The Monte-Carlo average of negative_elbo over draws of z ~ q must not fall below
    -log p(x), and for q close to the true posterior the gap is small.
    """
    a = torch.tensor([2.0, -1.5, 3.0, 0.5, -2.5, 1.0], dtype=torch.float64)
    b = torch.tensor([0.5, 0.0, -1.0, 0.3, 0.2, -0.4], dtype=torch.float64)
    x = torch.tensor([[1.0, 0.0, 1.0, 1.0, 0.0, 1.0]], dtype=torch.float64)
    grid = torch.linspace(-12, 12, 200_001, dtype=torch.float64)
    log_joint = Normal(0.0, 1.0).log_prob(grid) + Bernoulli(logits=grid[:, None] * a + b).log_prob(
        x
    ).sum(dim=1)
    step = (grid[1] - grid[0]).item()
    log_px = torch.logsumexp(log_joint, dim=0).item() + math.log(step)
    posterior = torch.softmax(log_joint, dim=0)
    post_mean = (posterior * grid).sum()
    post_var = (posterior * (grid - post_mean) ** 2).sum()

    generator = torch.Generator().manual_seed(50)
    candidates = [(post_mean, post_var, 0.1), (torch.tensor(-1.0), torch.tensor(2.0), None)]
    for mean, variance, max_gap in candidates:
        # 200 batches of 100 draws: each call of negative_elbo averages one batch.
        mu = mean.reshape(1, 1).expand(100, 1)
        logvar = torch.log(variance).reshape(1, 1).expand(100, 1)
        batch_means = []
        for _ in range(200):
            eps = torch.randn(100, 1, generator=generator, dtype=torch.float64)
            z = mu + torch.exp(0.5 * logvar) * eps
            batch_means.append(negative_elbo(x.expand(100, 6), z * a + b, mu, logvar).item())
        means = torch.tensor(batch_means, dtype=torch.float64)
        estimate, spread = means.mean().item(), means.std().item() / math.sqrt(len(means))
        assert estimate > -log_px - 5 * spread, (estimate, -log_px)
        if max_gap is not None:
            assert estimate < -log_px + max_gap, (estimate, -log_px)


# --- Argument checks -----------------------------------------------------------------------------

GOOD = torch.zeros(2, 3)
GOOD_X = torch.full((2, 4), 0.5)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: reparameterize(GOOD, torch.zeros(2, 4)), "logvar"),
        (lambda: reparameterize(GOOD, torch.zeros(3)), "logvar"),
        (lambda: reparameterize(GOOD, GOOD, torch.zeros(2, 1)), "eps"),
        (lambda: reparameterize(GOOD, GOOD, torch.zeros(3, 2)), "eps"),
        (lambda: kl_divergence(GOOD, torch.zeros(3, 2)), "logvar"),
        (lambda: negative_elbo(GOOD_X, torch.zeros(2, 5), GOOD, GOOD), "x_logits"),
        (lambda: negative_elbo(GOOD_X, torch.zeros(4), GOOD, GOOD), "x_logits"),
        (lambda: negative_elbo(GOOD_X, GOOD_X, GOOD, torch.zeros(2, 2)), "logvar"),
    ],
)
def test_shape_mismatches_raise_value_error_naming_the_argument(call, name):
    """logvar, eps and x_logits must have the shape of mu (or x): ValueError, no broadcasting."""
    with pytest.raises(ValueError, match=rf"^{name} must have the shape of"):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: kl_divergence(torch.zeros(3), torch.zeros(3)),
        lambda: kl_divergence(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4)),
        lambda: negative_elbo(torch.zeros(4), torch.zeros(4), torch.zeros(1, 2), torch.zeros(1, 2)),
        lambda: negative_elbo(GOOD_X, GOOD_X, torch.zeros(3, 2), torch.zeros(3, 2)),
        lambda: negative_elbo(GOOD_X, GOOD_X, torch.zeros(2), torch.zeros(2)),
    ],
)
def test_wrong_dimensions_or_batch_sizes_raise_value_error(call):
    """kl_divergence wants (B, D); negative_elbo wants (B, P) and (B, D) with one B."""
    with pytest.raises(ValueError, match=r"must be 2-D"):
        call()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize(
    "make, name",
    [
        (lambda t: reparameterize(t, GOOD), "mu"),
        (lambda t: reparameterize(GOOD, t), "logvar"),
        (lambda t: reparameterize(GOOD, GOOD, t), "eps"),
        (lambda t: kl_divergence(t, GOOD), "mu"),
        (lambda t: kl_divergence(GOOD, t), "logvar"),
        (lambda t: negative_elbo(GOOD_X, t[:, :1].expand(2, 4), GOOD, GOOD), "x_logits"),
        (lambda t: negative_elbo(GOOD_X, GOOD_X, t, GOOD), "mu"),
        (lambda t: negative_elbo(GOOD_X, GOOD_X, GOOD, t), "logvar"),
        (lambda t: negative_elbo(t[:, :1].expand(2, 4), GOOD_X, GOOD, GOOD), "x"),
    ],
)
def test_non_finite_values_raise_value_error_naming_the_argument(make, name, bad):
    """NaN or an infinity anywhere raises ValueError naming the argument."""
    tensor = torch.zeros(2, 3)
    tensor[1, 0] = bad
    with pytest.raises(ValueError, match=rf"^{name} must hold finite values only"):
        make(tensor)


@pytest.mark.parametrize("bad", [-0.01, 1.01, 16.0, 255.0])
def test_pixels_outside_the_unit_interval_raise_value_error(bad):
    """x must lie in [0, 1] (scale 0..16 or 0..255 images first)."""
    x = GOOD_X.clone()
    x[0, 2] = bad
    with pytest.raises(ValueError, match=r"^x must lie in \[0, 1\]"):
        negative_elbo(x, GOOD_X, GOOD, GOOD)


def test_pixels_at_exactly_zero_and_one_are_accepted():
    """The end points 0 and 1 are valid pixel values."""
    x = torch.tensor([[0.0, 1.0]])
    assert torch.isfinite(negative_elbo(x, torch.zeros(1, 2), torch.zeros(1, 1), torch.zeros(1, 1)))


@pytest.mark.parametrize(
    "bad", [torch.zeros(2, 3, dtype=torch.int64), [[0.0] * 3] * 2, 0.0, None], ids=repr
)
@pytest.mark.parametrize(
    "make, name",
    [
        (lambda t: reparameterize(t, GOOD), "mu"),
        (lambda t: reparameterize(GOOD, t), "logvar"),
        (lambda t: reparameterize(GOOD, GOOD, t if t is not None else 0), "eps"),
        (lambda t: kl_divergence(t, GOOD), "mu"),
        (lambda t: kl_divergence(GOOD, t), "logvar"),
        (lambda t: negative_elbo(t, GOOD_X, GOOD, GOOD), "x"),
        (lambda t: negative_elbo(GOOD_X, t, GOOD, GOOD), "x_logits"),
        (lambda t: negative_elbo(GOOD_X, GOOD_X, t, GOOD), "mu"),
        (lambda t: negative_elbo(GOOD_X, GOOD_X, GOOD, t), "logvar"),
    ],
)
def test_non_float_tensors_raise_type_error_naming_the_argument(make, name, bad):
    """Integer tensors, lists, floats and None raise TypeError naming the argument."""
    with pytest.raises(TypeError, match=rf"^{name} must be a floating-point torch.Tensor"):
        make(bad)


# --- The shipped model helpers (course/vae.py) ---------------------------------------------


def test_split_indices_is_a_seeded_partition():
    """split_indices returns disjoint index sets covering range(n), the same for one seed."""
    train, held = split_indices(50, 12, seed=3)
    assert len(held) == 12 and len(train) == 38
    assert sorted(torch.cat([train, held]).tolist()) == list(range(50))
    again_train, again_held = split_indices(50, 12, seed=3)
    assert torch.equal(train, again_train) and torch.equal(held, again_held)
    assert not torch.equal(held, split_indices(50, 12, seed=4)[1])


def test_train_vae_is_repeatable_and_restores_the_thread_count():
    """Two runs with one seed give the same losses; torch's thread setting is left as it was."""
    images = torch.rand(40, 64, generator=torch.Generator().manual_seed(0))
    threads = torch.get_num_threads()
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        model = VAE(hidden=16, latent=2)
        history = train_vae(
            model, images, negative_elbo, reparameterize, epochs=2, held_out_images=images[:8]
        )
        runs.append((history["train"], history["held_out"]))
        assert torch.get_num_threads() == threads
    assert runs[0] == runs[1]
    assert len(runs[0][0]) == 2 and len(runs[0][1]) == 2


def test_evaluate_negative_elbo_averages_seeded_draws():
    """The held-out score is the mean of negative_elbo over draws of eps from a seeded generator."""
    torch.manual_seed(2)
    model = VAE(hidden=16, latent=3)
    images = torch.rand(10, 64, generator=torch.Generator().manual_seed(1))
    got = evaluate_negative_elbo(model, images, negative_elbo, reparameterize, n_draws=4, seed=9)
    generator = torch.Generator().manual_seed(9)
    with torch.no_grad():
        mu, logvar = model.encode(images)
        losses = [
            negative_elbo(
                images,
                model.decode(reparameterize(mu, logvar, torch.randn(10, 3, generator=generator))),
                mu,
                logvar,
            ).item()
            for _ in range(4)
        ]
    assert got == pytest.approx(sum(losses) / 4, rel=1e-12)


def test_latent_grid_centres_each_tile_on_its_code():
    """Tile (row i, column j) decodes the code (z1_j, z2_i); the extent puts it at that code."""
    torch.manual_seed(3)
    model = VAE(hidden=16, latent=2)
    n, limit, gap = 4, 1.5, 2
    picture, extent = latent_grid(model, n=n, limit=limit, gap=gap)
    size = 8 + gap
    assert picture.shape == (n * size - gap, n * size - gap)
    values = torch.linspace(-limit, limit, n)
    left, right, bottom, top = extent
    assert left == -right and bottom == -top and right - left > 2 * limit
    per_pixel = (right - left) / picture.shape[1]
    for i, j in [(0, 0), (1, 3), (3, 2)]:
        code = torch.tensor([[values[j], values.flip(0)[i]]])
        with torch.no_grad():
            tile = torch.sigmoid(model.decode(code)).reshape(8, 8)
        assert torch.allclose(picture[i * size : i * size + 8, j * size : j * size + 8], tile)
        # The tile's centre pixel coordinate (3.5 pixels in) sits at its code on both axes.
        centre_x = left + (j * size + 4) * per_pixel
        centre_y = top - (i * size + 4) * per_pixel
        assert centre_x == pytest.approx(code[0, 0].item(), abs=1e-6)
        assert centre_y == pytest.approx(code[0, 1].item(), abs=1e-6)
    assert (picture[8:10, :] == 0).all()  # the blank gap between tile rows
