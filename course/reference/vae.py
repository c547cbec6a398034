"""Answer key of assignment 02_vae: reparameterization, the Gaussian KL term, the ELBO.

The model is the variational autoencoder of Kingma and Welling (2014,
"Auto-Encoding Variational Bayes"): an encoder that outputs the mean and the
log-variance of a diagonal Gaussian q(z | x), the standard normal prior
p(z) = N(0, I), and a decoder that outputs one Bernoulli logit per pixel. The
closed-form KL term is the one of their appendix B; the reparameterization
z = mu + sigma * eps is their section 2.4. The Bernoulli negative
log-likelihood is written in the numerically stable form of
``torch.nn.functional.binary_cross_entropy_with_logits``.

Each function is also the body of the solution cell of the same name in
``solutions/02_vae/vae.ipynb``; ``tests/test_reference_sync.py`` fails when
the two drift apart.
"""

import torch
import torch.nn.functional as F

from course.checks import require_finite_tensors, require_probabilities, require_same_shape

__all__ = ["kl_divergence", "negative_elbo", "reparameterize"]


def reparameterize(mu, logvar, eps=None):
    """Draw z ~ N(mu, diag(exp(logvar))) as a differentiable function of mu and logvar.

    z = mu + exp(logvar / 2) * eps,    eps ~ N(0, I)

    Args:
        mu: floating-point tensor of any shape (for a VAE, (B, D)): the means.
        logvar: tensor of the shape of ``mu``: the log-variances log(sigma ** 2).
        eps: optional tensor of the shape of ``mu``: the standard normal noise.
            When None it is drawn with ``torch.randn_like(mu)``, from torch's
            global generator, so ``torch.manual_seed`` makes the draw repeatable.

    Returns:
        Tensor z of the shape and dtype of ``mu``. Gradients flow to ``mu``
        (dz/dmu = 1) and to ``logvar`` (dz/dlogvar = exp(logvar / 2) * eps / 2);
        noise drawn here is a constant with no gradient.

    Raises:
        TypeError: an argument is not a floating-point tensor.
        ValueError: ``logvar`` or ``eps`` does not have the shape of ``mu``, or
            a value is not finite.
    """
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
    if eps is None:
        # The randomness lives in eps alone, which has no parameters to learn.
        eps = torch.randn_like(mu)
    require_finite_tensors(eps=eps)
    require_same_shape("eps", eps, "mu", mu)
    return mu + torch.exp(0.5 * logvar) * eps


def kl_divergence(mu, logvar):
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) in closed form, one value per sample.

    KL = 1/2 * sum_j (mu_j ** 2 + exp(logvar_j) - 1 - logvar_j)

    Args:
        mu: floating-point tensor (B, D): means of the approximate posterior.
        logvar: tensor (B, D): its log-variances.

    Returns:
        Tensor (B,) of KL divergences in nats, each >= 0, summed over the D
        latent dimensions (not averaged).

    Raises:
        TypeError: an argument is not a floating-point tensor.
        ValueError: the shapes differ or are not 2-D, or a value is not finite.
    """
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
    if mu.dim() != 2:
        raise ValueError(f"mu and logvar must be 2-D, (B, D), got shape {tuple(mu.shape)}")
    # expm1(l) - l equals exp(l) - 1 - l but keeps its digits (and its sign) for l near 0.
    return 0.5 * (mu.pow(2) + torch.expm1(logvar) - logvar).sum(dim=1)


def negative_elbo(x, x_logits, mu, logvar):
    """The VAE loss: the negative ELBO, averaged over the batch, in nats per image.

    loss = mean_b [ sum_p BCE(x_logits[b, p], x[b, p]) + KL(q(z | x_b) || N(0, I)) ]
    BCE(l, x) = -x log(sigmoid(l)) - (1 - x) log(1 - sigmoid(l))
              = softplus(l) - x * l   (the stable form used here)

    Args:
        x: floating-point tensor (B, P): the images, every pixel in [0, 1].
        x_logits: tensor (B, P): the decoder's Bernoulli logits (not probabilities).
        mu: tensor (B, D): means of q(z | x).
        logvar: tensor (B, D): log-variances of q(z | x).

    Returns:
        0-d tensor: the batch mean of (negative log-likelihood summed over the
        P pixels + KL summed over the D latent dimensions, ``kl_divergence``).

    Raises:
        TypeError: an argument is not a floating-point tensor.
        ValueError: a value is not finite, ``x`` leaves [0, 1], ``x_logits``
            does not have the shape of ``x`` or ``logvar`` that of ``mu``, or the
            inputs are not 2-D with one batch size.
    """
    require_finite_tensors(x=x, x_logits=x_logits, mu=mu, logvar=logvar)
    require_same_shape("x_logits", x_logits, "x", x)
    require_same_shape("logvar", logvar, "mu", mu)
    require_probabilities("x", x)
    if x.dim() != 2 or mu.dim() != 2 or x.shape[0] != mu.shape[0]:
        raise ValueError(
            "x and mu must be 2-D with the same batch size, (B, P) and (B, D), "
            f"got {tuple(x.shape)} and {tuple(mu.shape)}"
        )
    reconstruction = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none").sum(dim=1)
    return (reconstruction + kl_divergence(mu, logvar)).mean()
