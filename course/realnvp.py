"""Real-NVP building blocks for assignment 03_realnvp: networks, a flow container, training.

The exercises of the notebook (the coupling layer, its inverse, the flow's
log-density) are not in this module: the functions below take them as
arguments, so the notebook trains and samples with the student's own code.
The argument checks that those exercises share are in ``course.checks.realnvp``,
written once, so that the answer key and anyone's solution can call them.

A flow is an ordered collection of coupling layers, each a triple
``(mask, s_net, t_net)``: ``mask`` a ``(D,)`` tensor of 0s and 1s (1 = the
coordinate passes through unchanged), ``s_net`` and ``t_net`` callables that map
``(N, D)`` to ``(N, D)``. The layers are listed in the direction x -> z (data to
noise); sampling runs them backwards. ``RealNVP`` holds such a stack and
iterates over its triples, so a plain list of triples and a ``RealNVP`` can be
used in the same places.

``draw_coupling_layer`` draws the notebook's diagram of one coupling layer.
"""

import math

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from torch import nn
from tqdm.auto import tqdm

from course.notebook import one_thread

__all__ = [
    "CouplingNet",
    "RealNVP",
    "alternating_masks",
    "draw_coupling_layer",
    "grid",
    "sample",
    "train_flow",
]


class CouplingNet(nn.Module):
    """A small MLP from R^D to R^D: the scale ``s`` or the translation ``t`` of a coupling.

    ``Linear(D, hidden) -> ReLU -> Linear(hidden, hidden) -> ReLU -> Linear(hidden, D)``.
    With ``bound`` set, the output is ``bound * tanh(mlp(h))``: a scale network
    whose log-scales stay in ``(-bound, bound)``, so ``exp(s)`` can neither
    overflow nor vanish, whatever the weights do early in training.

    Args:
        dim: D, the number of coordinates.
        hidden: width of the two hidden layers.
        bound: ``None`` for an unbounded output (the translation ``t``), or a
            number > 0 (the scale ``s``).
    """

    def __init__(self, dim, hidden=64, bound=None):
        super().__init__()
        self.bound = bound
        self.mlp = nn.Sequential(
            nn.Linear(dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, dim),
        )

    def forward(self, h):
        """``h``: ``(N, D)`` -> ``(N, D)``."""
        out = self.mlp(h)
        return out if self.bound is None else self.bound * torch.tanh(out)


def alternating_masks(dim, n_couplings):
    """Masks ``(n_couplings, dim)``: layer ``k`` keeps (1) coordinate ``j`` if ``j + k`` is even.

    Consecutive layers keep complementary halves, so every coordinate is
    transformed by every second layer. In 2-D: ``[1, 0], [0, 1], [1, 0], ...``.
    """
    k, j = torch.arange(n_couplings)[:, None], torch.arange(dim)[None, :]
    return ((k + j) % 2 == 0).float()


class RealNVP(nn.Module):
    """A stack of affine coupling layers with alternating masks (Dinh et al., 2017).

    Iterating over a ``RealNVP`` yields its layers as ``(mask, s_net, t_net)``
    triples in the direction x -> z; ``flow.layers`` is the same as a list.
    The parameters are trained with any optimizer (``flow.parameters()``);
    ``flow.double()`` turns masks and networks to float64.

    Args:
        dim: D, the number of coordinates (at least 1).
        n_couplings: number of coupling layers.
        hidden: width of the hidden layers of every ``s`` and ``t`` network.
        s_bound: the scale networks output ``s_bound * tanh(...)``.
        seed: the networks' initial weights are drawn with this seed (PyTorch's
            default initialisation, so a fresh flow is far from the identity).
    """

    def __init__(self, dim=2, n_couplings=6, hidden=64, s_bound=2.0, seed=0):
        super().__init__()
        self.dim = dim
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.s_nets = nn.ModuleList(
                CouplingNet(dim, hidden, bound=s_bound) for _ in range(n_couplings)
            )
            self.t_nets = nn.ModuleList(CouplingNet(dim, hidden) for _ in range(n_couplings))
        self.register_buffer("masks", alternating_masks(dim, n_couplings))

    @property
    def layers(self):
        """The coupling layers as a list of ``(mask, s_net, t_net)``, in the direction x -> z."""
        return list(zip(self.masks, self.s_nets, self.t_nets, strict=True))

    def __iter__(self):
        return iter(self.layers)

    def __len__(self):
        return len(self.s_nets)


def train_flow(flow, data, log_prob, epochs, batch_size=256, lr=3e-3, seed=0):
    """Fit ``flow`` to ``data`` by maximum likelihood; return the mean NLL of each epoch.

    Each step minimises ``-log_prob(batch, flow).mean()`` with Adam; the
    learning rate decays along a cosine from ``lr`` to 0 over the run. A tqdm bar
    shows the progress and the last epoch's negative log-likelihood (nats).

    Args:
        flow: a ``RealNVP`` (anything with ``.parameters()`` that ``log_prob`` accepts).
        data: ``(N, D)`` float tensor of training points.
        log_prob: the function ``log_prob(x, flow) -> (N,)`` to maximise, e.g.
            the notebook's ``flow_log_prob``.
        epochs: passes over the data.
        batch_size: points per step.
        lr: the initial learning rate of Adam.
        seed: seeds the shuffling, so that a run can be repeated.
    """
    generator = torch.Generator().manual_seed(seed)
    # fused=True updates all parameters in one kernel: with dozens of small
    # tensors, the per-tensor loop of plain Adam would cost more than the model.
    optimizer = torch.optim.Adam(flow.parameters(), lr=lr, fused=True)
    steps = epochs * math.ceil(len(data) / batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(steps, 1))
    history = []
    flow.train()
    try:
        with one_thread():
            progress = tqdm(range(epochs), desc="training", unit="epoch")
            for _ in progress:
                order = torch.randperm(len(data), generator=generator)
                total = 0.0
                for start in range(0, len(data), batch_size):
                    batch = data[order[start : start + batch_size]]
                    loss = -log_prob(batch, flow).mean()
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    schedule.step()
                    total += loss.item() * len(batch)
                history.append(total / len(data))
                progress.set_postfix(nll=f"{history[-1]:.3f}")
    finally:
        flow.eval()
    return history


@torch.no_grad()
def sample(flow, n, inverse, seed=0, return_path=False):
    """Draw ``n`` points from the flow: ``z ~ N(0, I)`` pushed through the layers' inverses.

    Args:
        flow: a ``RealNVP`` (or any sequence of ``(mask, s_net, t_net)`` with ``.dim``).
        n: number of points.
        inverse: ``inverse(z, mask, s_net, t_net) -> x`` for one coupling layer,
            e.g. the notebook's ``affine_coupling_inverse``.
        seed: seeds the Gaussian noise.
        return_path: also return the points after each layer.

    Returns:
        ``(n, D)`` points; with ``return_path`` a list ``[z, ..., x]`` of
        ``len(flow) + 1`` tensors, from the noise to the samples.
    """
    generator = torch.Generator().manual_seed(seed)
    dtype = next(iter(flow.parameters())).dtype if isinstance(flow, nn.Module) else None
    points = torch.randn(n, flow.dim, generator=generator, dtype=dtype)
    path = [points]
    for mask, s_net, t_net in reversed(list(flow)):
        points = inverse(points, mask, s_net, t_net)
        path.append(points)
    return path if return_path else points


def grid(xlim, ylim, steps=200):
    """A regular 2-D grid of cell centres, for heat maps and numerical integrals.

    Returns:
        ``(points, xs, ys, cell_area)``: ``points`` of shape ``(steps * steps, 2)``
        (row ``i * steps + j`` is ``(xs[j], ys[i])``, so a value per point
        reshapes to ``(steps, steps)`` for ``imshow`` with ``origin="lower"``),
        the 1-D coordinates ``xs`` and ``ys``, and the area of one cell.
    """
    width, height = (xlim[1] - xlim[0]) / steps, (ylim[1] - ylim[0]) / steps
    xs = torch.linspace(xlim[0] + width / 2, xlim[1] - width / 2, steps)
    ys = torch.linspace(ylim[0] + height / 2, ylim[1] - height / 2, steps)
    mesh_y, mesh_x = torch.meshgrid(ys, xs, indexing="ij")
    points = torch.stack([mesh_x.flatten(), mesh_y.flatten()], dim=1)
    return points, xs, ys, width * height


#: Colours of the diagram: the copied part, the transformed part, the networks, the rest.
_COPIED, _CHANGED, _NETWORK, _OTHER = "#cfe2f3", "#fce5cd", "#d9ead3", "#e6e6e6"


def _box(ax, x, y, text, colour, width, height=0.6):
    """A rounded box centred at (x, y)."""
    corner = (x - width / 2, y - height / 2)
    ax.add_patch(FancyBboxPatch(corner, width, height, boxstyle="round,pad=0.03", fc=colour))
    ax.text(x, y, text, ha="center", va="center", fontsize=14)


def _arrow(ax, start, end, text=None):
    """An arrow from point to point, with an optional label above its middle."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, lw=2, color="k"))
    if text:
        middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.08)
        ax.text(*middle, text, ha="center", va="bottom", fontsize=12)


def _draw_coupling(ax):
    """The left half: x split by the mask, the networks s and t, and z."""
    ax.text(0.1, 4.8, "One affine coupling layer", fontsize=15, weight="bold", va="center")
    top, middle, bottom = 3.9, 2.65, 1.4
    _box(ax, 0.3, middle, "x", _OTHER, width=0.45, height=3.0)
    _box(ax, 1.85, top, "x_a\n(copied)", _COPIED, width=1.4, height=0.75)
    _box(ax, 1.85, middle, "log_det\n= Σ_j s_j", _OTHER, width=1.4, height=0.75)
    _box(ax, 1.85, bottom, "x_b\n(transformed)", _CHANGED, width=1.4, height=0.75)
    _arrow(ax, (0.58, top), (1.1, top), text="b = 1")
    _arrow(ax, (0.58, bottom), (1.1, bottom), text="b = 0")
    _arrow(ax, (2.6, top), (5.22, top))
    ax.text(3.97, top + 0.08, "copied unchanged", fontsize=12, ha="center", va="bottom")
    _box(ax, 5.75, top, "z_a = x_a", _COPIED, width=0.95)
    _box(ax, 5.75, bottom, "z_b", _CHANGED, width=0.95)
    for x, name, step, width in ((3.4, "net s", "⊙ exp(s)", 1.05), (4.65, "net t", "+ t", 0.65)):
        _box(ax, x, middle, name, _NETWORK, width=0.95, height=0.6)
        ax.plot(x, top, "o", color="k", ms=6)  # both networks see the copied part only
        _arrow(ax, (x, top), (x, middle + 0.35))
        _box(ax, x, bottom, step, "white", width=width, height=0.55)
        _arrow(ax, (x, middle - 0.33), (x, bottom + 0.32))
    _arrow(ax, (2.6, bottom), (2.84, bottom))
    _arrow(ax, (3.97, bottom), (4.29, bottom))
    _arrow(ax, (5.01, bottom), (5.22, bottom))
    _arrow(ax, (2.9, middle), (2.6, middle))
    ax.text(3.2, 0.45, "z_b = x_b ⊙ exp(s(x_a)) + t(x_a)", fontsize=14, ha="center", va="center")


def _jacobian_entry(i, j, d, dense):
    """``(colour, text)`` of entry (i, j) of the Jacobian, copied coordinates first."""
    if i < d:  # copied outputs: the identity, then zeros
        return (_COPIED, "1") if i == j else ("white", "0")
    if j < d:  # transformed outputs against copied inputs: the networks' derivatives
        return plt.cm.Purples(0.25 + 0.45 * dense[i - d, j].item()), "∗"
    return (_CHANGED, "eˢ") if i == j else ("white", "0")  # a diagonal


def _draw_jacobian(ax, d=3, size=0.34, left=7.3, base=2.2):
    """The right half: the blocks of dz/dx for ``d`` copied of ``2 d`` coordinates."""
    ax.text(6.5, 4.8, "Its Jacobian ∂z/∂x: triangular", fontsize=15, weight="bold", va="center")
    dense = torch.rand(d, d, generator=torch.Generator().manual_seed(0))
    for i in range(2 * d):  # row i: output z_i, from the top
        for j in range(2 * d):  # column j: input x_j
            colour, text = _jacobian_entry(i, j, d, dense)
            y = base + (2 * d - 1 - i) * size
            ax.add_patch(Rectangle((left + j * size, y), size, size, fc=colour, ec="grey", lw=0.8))
            ax.text(
                left + (j + 0.5) * size, y + size / 2, text, ha="center", va="center", fontsize=12
            )
    ax.plot([left + d * size] * 2, [base, base + 2 * d * size], color="k", lw=2)
    ax.plot([left, left + 2 * d * size], [base + d * size] * 2, color="k", lw=2)
    for k, name in enumerate(("x_a", "x_b")):
        ax.text(
            left + (k + 0.5) * d * size, base + 2 * d * size + 0.08, name, ha="center", fontsize=13
        )
    for k, name in enumerate(("z_a", "z_b")):
        ax.text(left - 0.1, base + (1.5 - k) * d * size, name, ha="right", va="center", fontsize=13)


def _draw_jacobian_legend(ax):
    """What each colour of the Jacobian means, and the log-determinant it gives."""
    legend = [
        (_COPIED, "identity: z_a = x_a"),
        ("white", "zero: z_a ignores x_b"),
        ("#b4a7d6", "dense ∂z_b/∂x_a: never needed"),
        (_CHANGED, "diagonal: det = Π_j exp(s_j)"),
    ]
    for k, (colour, text) in enumerate(legend):
        y = 1.75 - 0.33 * k
        ax.add_patch(Rectangle((6.55, y - 0.11), 0.22, 0.22, fc=colour, ec="grey"))
        ax.text(6.87, y, text, fontsize=12, va="center")
    ax.text(
        8.2, 0.3, "log_det = Σ_j s_j(x_a)", fontsize=14, ha="center", va="center", weight="bold"
    )


def draw_coupling_layer():
    """One affine coupling layer (left) and the blocks of its Jacobian (right).

    The copied part ``x_a`` feeds the networks s and t, which scale and shift
    the transformed part ``x_b``; the Jacobian is triangular (here 3 copied of
    6 coordinates), so its log-determinant is the sum of s.

    Returns:
        The matplotlib figure.
    """
    fig = plt.figure(figsize=(10, 5.0))
    ax = fig.add_axes((0, 0, 1, 1), xlim=(0, 10), ylim=(0, 5.0))  # one data unit = one inch
    ax.axis("off")
    _draw_coupling(ax)
    _draw_jacobian(ax)
    _draw_jacobian_legend(ax)
    return fig
