"""The small variational autoencoder of the 02_vae notebook, its training loop and plots.

Nothing here computes the loss or draws z: the notebook passes the student's
``reparameterize`` and ``negative_elbo`` in, so the model trains with the code
the student wrote. Shipped to students with the notebooks.
"""

import math

import matplotlib.pyplot as plt
import torch
from torch import nn
from tqdm.auto import tqdm

from course.notebook import one_thread

__all__ = [
    "VAE",
    "evaluate_negative_elbo",
    "latent_grid",
    "show_images",
    "split_indices",
    "train_vae",
]


class VAE(nn.Module):
    """An MLP encoder and decoder for images flattened to ``n_pixels`` values.

    encoder: x (B, P) -> hidden -> hidden -> 2D numbers, split into (mu, logvar), each (B, D)
    decoder: z (B, D) -> hidden -> hidden -> Bernoulli logits (B, P)

    with ELU activations, ``P = n_pixels``, ``D = latent`` and ``hidden`` units per layer.
    """

    def __init__(self, n_pixels=64, hidden=128, latent=2):
        super().__init__()
        self.latent = latent
        self.encoder = nn.Sequential(
            nn.Linear(n_pixels, hidden),
            nn.ELU(),
            nn.Linear(hidden, hidden),
            nn.ELU(),
            nn.Linear(hidden, 2 * latent),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, hidden),
            nn.ELU(),
            nn.Linear(hidden, hidden),
            nn.ELU(),
            nn.Linear(hidden, n_pixels),
        )

    def encode(self, x):
        """``(mu, logvar)`` of q(z | x), each of shape (B, latent)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z):
        """Bernoulli logits of p(x | z), shape (B, n_pixels); sigmoid gives pixel means."""
        return self.decoder(z)

    def forward(self, x, sample):
        """Encode, draw ``z = sample(mu, logvar)``, decode: ``(x_logits, mu, logvar)``."""
        mu, logvar = self.encode(x)
        return self.decode(sample(mu, logvar)), mu, logvar


def split_indices(n, n_held_out, seed=0):
    """A seeded random split of ``range(n)``: ``(train_indices, held_out_indices)``."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_held_out:], order[:n_held_out]


@torch.no_grad()
def evaluate_negative_elbo(model, images, loss_fn, sample, n_draws=10, seed=0):
    """The negative ELBO on ``images`` in nats per image, averaged over ``n_draws`` draws of z.

    The noise comes from a generator seeded with ``seed`` and is passed to
    ``sample(mu, logvar, eps)``, so the estimate is the same on every call.
    """
    generator = torch.Generator().manual_seed(seed)
    mu, logvar = model.encode(images)
    total = 0.0
    for _ in range(n_draws):
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
        x_logits = model.decode(sample(mu, logvar, eps))
        total += float(loss_fn(images, x_logits, mu, logvar))
    return total / n_draws


def train_vae(
    model,
    train_images,
    loss_fn,
    sample,
    epochs,
    held_out_images=None,
    batch_size=64,
    lr=2e-3,
    seed=0,
):
    """Train ``model`` with Adam on minibatches, minimising ``loss_fn``.

    Args:
        model: a ``VAE``.
        train_images: float tensor (N, P) with pixels in [0, 1].
        loss_fn: ``loss_fn(x, x_logits, mu, logvar)`` -> 0-d tensor (the negative ELBO).
        sample: ``sample(mu, logvar)`` -> z, drawing the noise itself (reparameterize).
        epochs: passes over the training images.
        held_out_images: optional (M, P) tensor, scored after every epoch.
        batch_size, lr: minibatch size and Adam's learning rate.
        seed: seeds the shuffling and torch's global generator (the draws of z).

    Returns:
        ``{"train": [...], "held_out": [...]}``: per epoch, the mean training
        loss over the epoch's minibatches and the held-out negative ELBO
        (empty without ``held_out_images``).
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train": [], "held_out": []}
    with one_thread():
        for _ in (progress := tqdm(range(epochs), desc="training the VAE", unit="epoch")):
            model.train()
            order = torch.randperm(len(train_images), generator=generator)
            losses = []
            for batch in order.split(batch_size):
                x = train_images[batch]
                x_logits, mu, logvar = model(x, sample)
                loss = loss_fn(x, x_logits, mu, logvar)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            history["train"].append(sum(losses) / len(losses))
            postfix = {"train": f"{history['train'][-1]:.2f}"}
            if held_out_images is not None:
                model.eval()
                score = evaluate_negative_elbo(model, held_out_images, loss_fn, sample, n_draws=1)
                history["held_out"].append(score)
                postfix["held-out"] = f"{score:.2f}"
            progress.set_postfix(postfix)
    model.eval()
    return history


def show_images(images, n_cols=10, title=None, labels=None, size=0.9):
    """Show (N, 64) images in [0, 1] (8x8 digits) as a grid, optionally with labels."""
    images = images.detach().reshape(len(images), 8, 8).cpu()
    n_rows = math.ceil(len(images) / n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, size * n_rows + 0.4))
    for i, axis in enumerate(axes.flat):
        axis.axis("off")
        if i < len(images):
            axis.imshow(images[i], cmap="gray_r", vmin=0, vmax=1)
            if labels is not None:
                axis.set_title(str(labels[i]), fontsize=8, pad=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def latent_grid(model, n=12, limit=2.5, gap=2):
    """Decode an ``n`` x ``n`` grid of codes z in [-limit, limit]^2 into one picture.

    Rows run from z_2 = +limit (top) to -limit, columns from z_1 = -limit to +limit,
    and the 8x8 tiles are separated by ``gap`` blank pixels.

    Returns:
        ``(picture, extent)``: a 2-D tensor of pixel probabilities, and the
        ``extent`` for ``plt.imshow`` that centres each tile on its code, so the
        picture lines up with a scatter plot of the first two latent coordinates.
    """
    values = torch.linspace(-limit, limit, n)
    z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")
    z = torch.zeros(n * n, model.latent)
    z[:, 0], z[:, 1] = z1.flatten(), z2.flatten()
    with torch.no_grad():
        tiles = torch.sigmoid(model.decode(z)).reshape(n, n, 8, 8)
    tiles = nn.functional.pad(tiles, (0, gap, 0, gap))  # blank margin right of and below each
    size = 8 + gap
    picture = tiles.permute(0, 2, 1, 3).reshape(n * size, n * size)[
        : n * size - gap, : n * size - gap
    ]
    # One pixel is this wide in z units; tile centres sit 3.5 pixels from their tile's corner.
    pixel = 2 * limit / ((n - 1) * size)
    edge = limit + 4 * pixel
    return picture, (-edge, edge, -edge, edge)
