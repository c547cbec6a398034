"""The small variational autoencoder of the 02_vae notebook, its training loop and plots.

Nothing here computes the loss or draws z: the notebook passes the student's
``reparameterize`` and ``negative_elbo`` in, so the model trains with the code
the student wrote. Shipped to students with the notebooks.
"""

import math

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from torch import nn
from tqdm.auto import tqdm

from course.notebook import one_thread

__all__ = [
    "VAE",
    "draw_reparameterization_graph",
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


#: Fill colours of the graph's boxes, by the kind of node.
_FILL = {"data": "#e6e6e6", "net": "#cfe2f3", "value": "#d9ead3", "random": "#fce5cd"}
_RED = "#c00000"


def _box(ax, x, y, text, kind, width, height=0.6):
    """A rounded box centred at (x, y); returns the node (x, y, half width, half height)."""
    corner = (x - width / 2, y - height / 2)
    ax.add_patch(FancyBboxPatch(corner, width, height, boxstyle="round,pad=0.03", fc=_FILL[kind]))
    ax.text(x, y, text, ha="center", va="center", fontsize=14)
    return x, y, width / 2, height / 2


def _side(node, towards):
    """The middle of the side of ``node`` that faces the point ``towards``."""
    x, y, half_w, half_h = node
    dx, dy = towards[0] - x, towards[1] - y
    if abs(dx) * half_h >= abs(dy) * half_w:
        return x + math.copysign(half_w + 0.05, dx), y
    return x, y + math.copysign(half_h + 0.05, dy)


def _edge(ax, start, end, gradient=True):
    """An arrow between nodes, solid if gradients flow back along it; returns its middle."""
    begin, finish = _side(start, end[:2]), _side(end, start[:2])
    style = {"lw": 2.2, "ls": "-"} if gradient else {"lw": 2.0, "ls": (0, (3, 2))}
    ax.add_patch(
        FancyArrowPatch(begin, finish, arrowstyle="-|>", mutation_scale=18, color="k", **style)
    )
    return (begin[0] + finish[0]) / 2, (begin[1] + finish[1]) / 2


def _draw_graph_with_trick(ax):
    """The top half: the VAE with z = mu + sigma * eps, and the legend of the arrows."""
    ax.text(0.1, 5.05, "With the trick: z = μ + σ ⊙ ε", fontsize=15, weight="bold", va="center")
    ax.text(
        9.9,
        5.05,
        "gradients reach the encoder",
        fontsize=14,
        color="#2b6a2b",
        ha="right",
        va="center",
    )
    row = 3.75
    nodes = [
        _box(ax, 0.28, row, "x", "data", width=0.42),
        _box(ax, 1.3, row, "encoder\nφ", "net", width=1.0, height=0.85),
        _box(ax, 2.65, row + 0.42, "μ", "value", width=0.95, height=0.5),
        _box(ax, 2.65, row - 0.42, "logvar", "value", width=0.95, height=0.5),
        _box(ax, 4.25, row, "z = μ + σ ⊙ ε", "value", width=1.45),
        _box(ax, 5.75, row, "decoder\nθ", "net", width=1.0, height=0.85),
        _box(ax, 7.05, row, "logits ℓ", "value", width=1.0),
        _box(ax, 8.95, row, "loss =\nBCE(ℓ, x)\n+ KL", "data", width=1.4, height=1.2),
    ]
    eps = _box(
        ax, 4.25, row - 1.3, "ε ~ N(0, I)\nthe only random node", "random", width=2.2, height=0.75
    )
    for start, end in [(0, 1), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5), (5, 6), (6, 7)]:
        _edge(ax, nodes[start], nodes[end])
    middle = _edge(ax, eps, nodes[4], gradient=False)
    ax.text(middle[0] + 0.1, middle[1], "noise: no gradient", fontsize=13, va="center")
    # The KL term needs only mu and logvar: a path over the top of the row.
    ax.plot([2.65, 2.65, 8.95], [row + 0.7, 4.62, 4.62], color="k", lw=2.2)
    ax.add_patch(
        FancyArrowPatch(
            (8.95, 4.62), (8.95, row + 0.65), arrowstyle="-|>", mutation_scale=18, color="k", lw=2.2
        )
    )
    ax.text(5.9, 4.66, "KL(μ, logvar) in closed form", fontsize=13, ha="center", va="bottom")
    ax.plot([6.6, 7.2], [2.75, 2.75], color="k", lw=2.2)
    ax.text(7.3, 2.75, "gradients flow back", fontsize=13, va="center")
    ax.plot([6.6, 7.2], [2.35, 2.35], color="k", lw=2.0, ls=(0, (3, 2)))
    ax.text(7.3, 2.35, "no gradient", fontsize=13, va="center")


def _draw_graph_without_trick(ax):
    """The bottom half: z drawn by .sample(), where the gradient stops."""
    ax.text(
        0.1, 1.6, "Without it: z ~ N(μ, σ²) drawn directly", fontsize=15, weight="bold", va="center"
    )
    ax.text(
        9.9, 1.6, "the encoder learns nothing", fontsize=14, color=_RED, ha="right", va="center"
    )
    low = 0.7
    row = [
        _box(ax, 0.85, low, "encoder", "net", width=1.15),
        _box(ax, 2.6, low, "μ, logvar", "value", width=1.3),
        _box(ax, 5.0, low, "z ~ N(μ, σ²)\n.sample()", "random", width=1.7, height=0.75),
        _box(ax, 7.0, low, "decoder", "net", width=1.15),
        _box(ax, 8.8, low, "loss", "data", width=1.0),
    ]
    _edge(ax, row[0], row[1])
    cross = _edge(ax, row[1], row[2], gradient=False)
    ax.text(*cross, "✗", fontsize=26, color=_RED, ha="center", va="center", weight="bold")
    ax.text(cross[0], low - 0.35, "blocked", fontsize=13, color=_RED, ha="center", va="top")
    _edge(ax, row[2], row[3])
    _edge(ax, row[3], row[4])


def draw_reparameterization_graph():
    """The VAE's computation graph with the reparameterization trick (top) and without (bottom).

    Solid arrows carry gradients back, dashed ones do not: with the trick the
    only random node is the noise, so the gradient reaches the encoder; with
    ``.sample()`` it stops at z.

    Returns:
        The matplotlib figure.
    """
    fig = plt.figure(figsize=(10, 5.3))
    ax = fig.add_axes((0, 0, 1, 1), xlim=(0, 10), ylim=(0, 5.3))  # one data unit = one inch
    ax.axis("off")
    _draw_graph_with_trick(ax)
    ax.plot([0.1, 9.9], [1.9, 1.9], color="grey", lw=0.8)  # the rule between the halves
    _draw_graph_without_trick(ax)
    return fig
