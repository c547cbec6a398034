"""The diagram of 06_collaborative: the recommender funnel of section 5."""

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["draw_funnel"]


def _funnel_stages(n_films, n_mf, n_popular, n_ranked, n_reranked, n_shown):
    """``[(stage, size on the box, size for the width, colour, methods beside it)]``."""
    return [
        (
            "catalogue",
            f"{n_films:,} films",
            n_films,
            "#e6e6e6",
            "every film the user has not rated\n(a real service: millions of items)",
        ),
        (
            "1. candidate selection",
            f"≤ {n_mf + n_popular} per user",
            n_mf + n_popular,
            "#cfe2f3",
            "cheap scores, judged by recall:\n"
            f"MF (ALS) top {n_mf} ∪ popularity top {n_popular}\n"
            "(exam: also user- / item-based CF)",
        ),
        (
            "2. ranking",
            f"ordered, top {n_ranked} listed",
            n_ranked,
            "#d9ead3",
            "logistic regression on 5 features:\n"
            "MF score, log popularity, genre share,\n"
            "user-based p (5), item-based p (6)",
        ),
        (
            "3. re-ranking",
            f"top {n_shown} shown",
            n_shown,
            "#fce5cd",
            "business rule, genre diversity:\n"
            f"no genre 3 times in the top {n_shown} (or twice),\n"
            f"filled from the ranked top {n_reranked}",
        ),
    ]


def draw_funnel(n_films, n_mf=100, n_popular=50, n_ranked=20, n_reranked=100, n_shown=5):
    """The recommender funnel of section 5: each stage a box, narrower for fewer films.

    Args:
        n_films: films in the catalogue.
        n_mf, n_popular: candidates per user from matrix factorization and popularity.
        n_ranked: length of the ranked list (``K`` of the notebook).
        n_reranked, n_shown: the ranked films the re-ranking draws from, and the films shown.

    Returns:
        The matplotlib figure.
    """
    fig = plt.figure(figsize=(11.5, 5.3))
    ax = fig.add_axes((0, 0, 1, 1), xlim=(0, 11.5), ylim=(0, 5.3))  # one data unit = one inch
    ax.axis("off")
    centre, height, gap, beside = 2.95, 0.95, 0.38, 6.1
    stages = _funnel_stages(n_films, n_mf, n_popular, n_ranked, n_reranked, n_shown)
    for k, (stage, size, n, colour, methods) in enumerate(stages):
        y = 5.3 - 0.15 - height / 2 - k * (height + gap)
        log_n = torch.tensor(float(n)).log10().item()
        width = 1.1 * log_n + 1.9  # log scale: 1,682 films -> 5.45 inches, 5 films -> 2.7
        corner = (centre - width / 2, y - height / 2)
        ax.add_patch(FancyBboxPatch(corner, width, height, boxstyle="round,pad=0.03", fc=colour))
        ax.text(centre, y + 0.2, stage, ha="center", va="center", fontsize=17, weight="bold")
        ax.text(centre, y - 0.22, size, ha="center", va="center", fontsize=16)
        ax.text(beside, y, methods, ha="left", va="center", fontsize=15, linespacing=1.25)
        ax.plot([centre + width / 2 + 0.1, beside - 0.15], [y, y], color="grey", lw=1, ls=":")
        if k:  # an arrow from the stage above
            start, end = (centre, y + height / 2 + gap - 0.04), (centre, y + height / 2 + 0.04)
            ax.add_patch(
                FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=20, lw=2, color="k")
            )
    return fig
