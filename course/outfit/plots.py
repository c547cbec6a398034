"""Figures of 07_outfit: the lecture's diagram, outfits as rows of coloured swatches, score
distributions, quality against latency, and the catalogue seen in the plane of its categories."""

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from course.outfit.wardrobe import CATEGORIES, STYLES

__all__ = [
    "category_plane",
    "draw_completion_methods",
    "plot_in_category_plane",
    "plot_losses",
    "plot_quality_latency",
    "plot_score_distributions",
    "show_outfits",
]


def draw_completion_methods():
    """The lecture's diagram: each completion method and how many outfits it asks S to score.

    The outfit and the catalogue on the left, the methods in the middle with
    their cost in calls of S, the k added items on the right. Returns the axes.
    """
    _, ax = plt.subplots(figsize=(11.8, 4.8))
    ax.set(xlim=(0, 11.8), ylim=(0, 6.3))
    ax.axis("off")

    def box(x, y, w, h, text, colour, size=9):
        ax.add_patch(
            FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05", fc=colour, ec="0.3", lw=1)
        )
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size)

    def arrow(x0, y0, x1, y1):
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12))

    box(0.2, 3.7, 2.0, 1.1, "outfit $O_n$\n($n$ items)", "#fde9c9")
    box(0.2, 1.6, 2.0, 1.1, "catalogue $\\mathcal{X}$\n($N$ items in $\\mathbb{R}^d$)", "#d9ead3")
    methods = [
        ("exact search", r"$\binom{N}{k} \approx N^k/k!$ outfits scored", "#f4cccc"),
        ("greedy one-step", r"$N$ (one batch)", "#cfe2f3"),
        ("greedy $k$-step", r"$kN$ ($k$ batches)", "#cfe2f3"),
        ("beam search, width $w$", r"$\approx k\,w\,N$", "#cfe2f3"),
        (
            "relaxation in $\\mathbb{R}^d$ + nearest under $\\rho$",
            r"$T$ steps of $S$ and $\nabla S$",
            "#ead1dc",
        ),
        ("GNN $F_k$ + nearest under $\\rho$", "1 call of $F_k$, no call of $S$", "#d9d2e9"),
        (
            "GNN $F_k$ + $m$ nearest per slot, re-ranked",
            "1 call of $F_k$, 1 batch of $m^k$ for $S$",
            "#d9d2e9",
        ),
    ]
    for row, (name, cost, colour) in enumerate(methods):
        y = 5.55 - row * 0.82
        box(3.2, y, 3.6, 0.6, name, colour)
        ax.text(7.0, y + 0.3, cost, va="center", fontsize=9)
        arrow(2.3, 3.2, 3.15, y + 0.3)
        arrow(9.5, y + 0.3, 10.15, 3.2)
    box(10.2, 2.65, 1.4, 1.1, "$k$ items\nadded", "#fff2cc")
    ax.set_title("Completing an outfit: each method, and how many outfits it asks $S$ to score")
    return ax


def show_outfits(wardrobe, outfits, titles=None, added=None, ax=None):
    """Draw outfits (a list of index tensors) as rows of swatches in the items' colours.

    Each swatch is labelled with its category and hidden style; ``titles``
    (one string per outfit) go on the left; swatches of ``added`` items (a
    list of index tensors, one per outfit) get a thick black frame.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 0.7 + 0.75 * len(outfits)))
    for row, outfit in enumerate(outfits):
        y = len(outfits) - 1 - row
        new = set() if added is None else set(added[row].tolist())
        for column, item in enumerate(outfit.tolist()):
            colour = wardrobe.rgb([item])[0].tolist()
            frame = 3 if item in new else 0.5
            ax.add_patch(
                Rectangle((column, y + 0.1), 0.9, 0.8, facecolor=colour, edgecolor="k", lw=frame)
            )
            category = CATEGORIES[int(wardrobe.categories[item])]
            style = STYLES[int(wardrobe.styles[item])]
            ink = "white" if sum(colour) < 1.2 else "black"
            ax.text(column + 0.45, y + 0.55, category, ha="center", va="center", fontsize=8, c=ink)
            ax.text(column + 0.45, y + 0.3, style, ha="center", va="center", fontsize=6, c=ink)
        if titles is not None:
            ax.text(-0.15, y + 0.5, titles[row], ha="right", va="center", fontsize=9)
    width = max(len(o) for o in outfits)
    ax.set(xlim=(-3.2 if titles is not None else -0.1, width), ylim=(0, len(outfits)))
    ax.set_axis_off()
    return ax


def plot_score_distributions(runs, original=None, ax=None):
    """Box plots of S over the outfits, one per ``MethodRun`` of ``runs``, best median on top."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * (len(runs) + 2)))
    named = [(r.name, r.scores) for r in runs]
    if original is not None:
        named.append(("original outfits", original))
    named.sort(key=lambda pair: float(pair[1].median()))
    ax.boxplot(
        [scores.numpy() for _, scores in named],
        vert=False,
        whis=(5, 95),
        showfliers=False,
        medianprops={"color": "C3", "lw": 2},
    )
    ax.set_yticks(range(1, len(named) + 1), [name for name, _ in named])
    ax.set(xlabel="S(completed outfit): box 25-75 %, whiskers 5-95 %, red: median", xlim=(0, 1))
    return ax


def plot_losses(histories, ax=None):
    """Training curves: ``histories`` maps a label to a list of per-epoch losses (log scale)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    for label, history in histories.items():
        values = torch.tensor(history)
        ax.plot(range(1, len(values) + 1), values / values[0], label=label)
    ax.set(xlabel="epoch", ylabel="loss / first epoch's", yscale="log")
    ax.legend(fontsize=8)
    return ax


#: Colours of the method families and markers of the distances, in plot_quality_latency.
_FAMILIES = (
    ("GNN + re-rank", "C2"),
    ("GNN", "C4"),
    ("relaxation", "C3"),
    ("greedy", "C0"),
    ("beam", "C0"),
)
_MARKERS = {"l1": "o", "l2": "s", "l10": "^", "cos": "D"}


def plot_quality_latency(runs, original=None, axes=None):
    """Median score against median time per outfit (log scale): every run a point.

    ``runs`` are ``MethodRun`` objects (``course.outfit.evaluation``). The
    methods whose median S is above 0.5 get the top panel, on a scale of
    their own; the others the bottom one. Colour: the method's family;
    marker: its rho (methods without one, and variants, are labelled). The
    original outfits' median S, if given, is a dashed line. Returns the axes.
    """
    if axes is None:
        _, axes = plt.subplots(
            2, 1, figsize=(9, 6.4), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
        )
    groups = ([r for r in runs if r.median_score >= 0.5], [r for r in runs if r.median_score < 0.5])
    for ax, group in zip(axes, groups, strict=True):
        for run in group:
            colour = next((c for start, c in _FAMILIES if run.name.startswith(start)), "0.4")
            rho = (
                run.name.split("rho = ")[1].split(" ")[0].rstrip(",")
                if "rho = " in run.name
                else None
            )
            x, y = 1000 * run.median_latency, run.median_score
            ax.scatter(x, y, s=42, color=colour, marker=_MARKERS.get(rho, "o"), zorder=3)
            if rho is None or run.name.count(",") > 1:
                label = run.name.split(", rho = l2, ")[-1]
                ax.annotate(label, (x, y), (6, -3), textcoords="offset points", fontsize=8)
        ax.margins(x=0.2, y=0.25)
    if original is not None:
        axes[0].axhline(float(original.median()), ls="--", c="0.5", lw=1)
        axes[0].annotate(
            "original outfits", (0, float(original.median())), (4, 3), xycoords=("axes fraction",
            "data"), textcoords="offset points", fontsize=8, color="0.4",
        )  # fmt: skip
    handles = [
        plt.Line2D([], [], ls="", marker="o", color=c, label=name)
        for name, c in (("greedy, beam", "C0"), ("relaxation", "C3"), ("GNN", "C4"),
                        ("GNN + re-rank", "C2"))
    ] + [
        plt.Line2D([], [], ls="", marker=m, color="0.3", label=f"rho = {rho}")
        for rho, m in _MARKERS.items()
    ]  # fmt: skip
    axes[0].legend(handles=handles, fontsize=8, ncol=2, loc="upper left")
    axes[0].set(ylabel="median S (the good methods)")
    axes[-1].set(
        xscale="log",
        xlabel="median time per outfit (ms, one thread, log scale)",
        ylabel="median S (the rest)",
    )
    return axes


def category_plane(wardrobe):
    """``(origin, basis)``: the plane that shows the categories apart, for 2-D pictures.

    The top two principal directions of the six category centres (the mean
    embedding of each category), through their mean: ``basis`` is (2, d),
    and a point x of R^d is drawn at ``(x - origin) @ basis.T``.
    """
    centres = torch.stack(
        [wardrobe.embeddings[wardrobe.categories == c].mean(0) for c in range(len(CATEGORIES))]
    )
    origin = centres.mean(0)
    _, _, directions = torch.linalg.svd(centres - origin, full_matrices=False)
    return origin, directions[:2]


def plot_in_category_plane(wardrobe, vectors, chosen, ax=None, label="free vectors", plane=None):
    """The catalogue in the plane of its categories, with free vectors and the items they became.

    Args:
        wardrobe: the catalogue (its items are drawn as dots, one colour per category).
        vectors: list of (k, d) tensors: vectors of R^d (a relaxed optimum, a GNN's output).
        chosen: list of int64 (k,) tensors: the catalogue item each vector became.
        label: what the vectors are, for the legend.
        plane: ``(origin, basis)`` of :func:`category_plane` (computed if not given).

    Each vector is a black star with an arrow to its item.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5.5))
    origin, basis = category_plane(wardrobe) if plane is None else plane
    points = ((wardrobe.embeddings - origin) @ basis.T).numpy()
    handles = []
    for c, name in enumerate(CATEGORIES):
        mask = (wardrobe.categories == c).numpy()
        ax.scatter(points[mask, 0], points[mask, 1], s=5, alpha=0.35, color=f"C{c}")
        handles.append(plt.Line2D([], [], ls="", marker="o", ms=5, color=f"C{c}", label=name))
    for z, items in zip(vectors, chosen, strict=True):
        free = ((z.detach().to(origin.dtype) - origin) @ basis.T).numpy()
        ax.scatter(free[:, 0], free[:, 1], marker="*", s=90, c="k", zorder=3)
        for start, end in zip(free, points[items.numpy()], strict=True):
            ax.annotate("", end, start, arrowprops={"arrowstyle": "->", "lw": 0.7, "color": "0.2"})
    handles.append(plt.Line2D([], [], ls="", marker="*", ms=10, color="k", label=label))
    ax.legend(handles=handles, fontsize=7, loc="best")
    ax.set(xlabel="first direction", ylabel="second direction")
    return ax
