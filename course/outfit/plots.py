"""Figures of 07_outfit: outfits as rows of coloured swatches, and score distributions."""

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Rectangle

from course.outfit.wardrobe import CATEGORIES, STYLES

__all__ = ["plot_losses", "plot_score_distributions", "show_outfits"]


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
