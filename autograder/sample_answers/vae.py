"""02_vae: a student who gets reparameterize right, averages the KL term, skips the loss.

Expected score: 3 of 10 (reparameterize 3).
"""

ASSIGNMENT = "02_vae"
NOTEBOOK = "vae"
EXPECTED_SCORE = 3

PARTLY_WRONG = {
    # The KL term averaged over the latent dimensions instead of summed.
    "kl_divergence": """
def kl_divergence(mu, logvar):
    require_finite_tensors(mu=mu, logvar=logvar)
    require_same_shape("logvar", logvar, "mu", mu)
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).mean(dim=1)
""",
    # Not attempted: the cell is left as released.
    "negative_elbo": """
def negative_elbo(x, x_logits, mu, logvar):
    # YOUR CODE HERE
    raise NotImplementedError()
""",
}
