"""A synthetic wardrobe: a catalogue of clothing items and outfits drawn from hidden styles.

No data is downloaded. Everything is generated from one seed, in well under a
second, by a small generative model whose rules a compatibility scorer has to
discover from examples (the way OutfitTransformer learns them from Polyvore):

* **Items.** Each item has a category (:data:`CATEGORIES`), a hidden style
  (:data:`STYLES`: a point in a style space, near its style's prototype), a
  colour (a hue on the colour wheel with a saturation, or a neutral: black,
  white, grey, beige) and a few nuisance features (texture, brand, ...) that
  have nothing to do with compatibility. Its embedding, a vector in R^d, is a
  fixed random rotation of these features plus a little noise: like an image
  and text encoder's output, it holds the information but not in readable
  coordinates.
* **Outfits.** An outfit is drawn from one hidden style and one base hue of
  that style's palette: a subset of the categories (a top, a bottom and shoes
  almost always; a bag, outerwear, an accessory sometimes), and for each
  category one item, drawn with a probability that grows with its agreement
  with the outfit's style and with the colour rule (hues close to the base hue
  or to its complement; neutrals go with anything). So compatibility has real
  structure: style agreement, colour harmony, one item per category.
* **Negatives** (for training and testing a scorer) are outfits with items
  swapped: every item replaced by a random one of the same category (the
  standard Polyvore compatibility test), one item replaced, an item of a
  category the outfit already has added (two pairs of shoes), or a random odd
  item added.

**The same on every CPU.** Floating-point results differ in their last bits
between CPUs (vectorized kernels, matrix libraries), so every discrete choice
(categories, styles, hues, items, outfits, negatives) comes from integer
random draws and integer arithmetic: hues are whole degrees, saturations
whole percents, style coordinates multiples of 1/32 (exact floats, so style
gaps are exact), and an item's draw weight is an integer (its probability
relative to the best item's, rounded to units of 2^-20: float noise is about
1e-10 of a unit). Only the embeddings are floats computed by kernels, equal
between CPUs up to their last bits.

Shipped to students with the notebooks.
"""

import math
from dataclasses import dataclass

import torch

from course.notebook import one_thread

__all__ = [
    "CATEGORIES",
    "STYLES",
    "Wardrobe",
    "fill_in_the_blank",
    "make_wardrobe",
    "matching_duplicates",
    "negative_outfits",
    "padded",
    "partial_outfits",
    "sample_outfits",
    "sub_outfits",
    "unpadded",
]

#: The item categories; an outfit holds at most one item of each.
CATEGORIES = ("top", "bottom", "shoes", "bag", "outerwear", "accessory")
#: Names of the hidden styles (for plots only: the generator knows them, the scorer does not).
STYLES = ("classic", "sport", "street", "boho", "evening", "business")

#: How often a catalogue item belongs to each category, in percent.
CATEGORY_PERCENT = (22, 20, 18, 14, 12, 14)
#: How often an outfit holds an item of each category, in percent.
IN_OUTFIT_PERCENT = (95, 90, 85, 45, 35, 45)

STYLE_DIM = 8  # dimensions of the hidden style space
STYLE_GRID = 32  # style coordinates are multiples of 1 / STYLE_GRID (exact in float32)
NUISANCE_DIM = 6  # features unrelated to compatibility
NEUTRAL_PERCENT = 30  # share of neutral-coloured items
WILD_PERCENT = 20  # share of items whose hue ignores their style's palette
STYLE_SPREAD = 0.35  # an item's distance from its style's prototype, per dimension
HUE_SPREAD = 18  # degrees: an item's hue around its style's palette hue
STYLE_WEIGHT = 1.2  # how strongly an outfit prefers items of its style
COLOUR_WEIGHT = 6.0  # how strongly it prefers harmonious colours
WEIGHT_UNITS = 2**20  # an item's draw weight: its probability relative to the best item's, x 2^20


@dataclass
class Wardrobe:
    """A catalogue of ``N`` items with their embeddings and hidden attributes.

    Attributes:
        embeddings: float32 (N, d): what a model sees of each item.
        categories: int64 (N,): index into :data:`CATEGORIES`.
        styles: int64 (N,): the hidden style the item was drawn from.
        style_vectors: float32 (N, STYLE_DIM): the item's place in style space
            (multiples of 1 / STYLE_GRID).
        hues: int64 (N,): hue in whole degrees, 0 to 359 (meaningless for neutrals).
        saturations: float32 (N,): 0 for neutrals, 0.45 to 1 in steps of 0.01.
        lightness: float32 (N,): 0 (black) to 1 (white).
        prototypes: float32 (n_styles, STYLE_DIM): the styles' centres (on the same grid).
        palettes: int64 (n_styles, 2): two base hues per style, in degrees.
        seed: the seed the wardrobe was made from.
    """

    embeddings: torch.Tensor
    categories: torch.Tensor
    styles: torch.Tensor
    style_vectors: torch.Tensor
    hues: torch.Tensor
    saturations: torch.Tensor
    lightness: torch.Tensor
    prototypes: torch.Tensor
    palettes: torch.Tensor
    seed: int

    def __len__(self):
        return len(self.embeddings)

    @property
    def dim(self):
        """d, the embedding dimension."""
        return self.embeddings.shape[1]

    def subset(self, items):
        """A smaller catalogue: the given items (renumbered 0..len-1), same styles and palettes."""
        items = torch.as_tensor(items)
        fields = ("embeddings", "categories", "styles", "style_vectors", "hues", "saturations")
        picked = {name: getattr(self, name)[items] for name in (*fields, "lightness")}
        return Wardrobe(
            **picked, prototypes=self.prototypes, palettes=self.palettes, seed=self.seed
        )

    def rgb(self, items):
        """RGB colours in [0, 1] of the items (a list or tensor of indices): (len, 3), for plots."""
        items = torch.as_tensor(items)
        h = (self.hues[items] % 360) / 360
        s, v = self.saturations[items], 0.25 + 0.7 * self.lightness[items]
        k = torch.stack([(5 + 6 * h) % 6, (3 + 6 * h) % 6, (1 + 6 * h) % 6], dim=-1)
        ramp = torch.clamp(torch.minimum(k, 4 - k), 0, 1)  # the standard HSV to RGB formula
        return (v.unsqueeze(-1) * (1 - s.unsqueeze(-1) * ramp)).clamp(0, 1)


def _percent_draws(percents, shape, g):
    """Booleans of ``shape``: True with the given chance (an int or a tuple per last dimension)."""
    return torch.randint(100, shape, generator=g) < torch.tensor(percents)


def _on_grid(values):
    """float64 values rounded to multiples of 1 / STYLE_GRID, as float32 (exactly)."""
    return ((values * STYLE_GRID).round() / STYLE_GRID).float()


def _item_colours(n_items, styles, palettes, g):
    """Hues (int64 degrees) and saturations (float32, in steps of 0.01) of the items."""
    which_hue = torch.randint(2, (n_items,), generator=g)
    jitter = (HUE_SPREAD * torch.randn(n_items, generator=g, dtype=torch.float64)).round()
    hues = palettes[styles, which_hue] + jitter.long()
    # Some chromatic items take a random hue: fashion is not that strict.
    wild = _percent_draws(WILD_PERCENT, (n_items,), g)
    hues = torch.where(wild, torch.randint(360, (n_items,), generator=g), hues) % 360
    neutral = _percent_draws(NEUTRAL_PERCENT, (n_items,), g)
    percent = torch.randint(45, 101, (n_items,), generator=g).masked_fill(neutral, 0)
    return hues, percent / 100


@one_thread()  # these small tensors only wait for a second thread
def make_wardrobe(n_items=5000, dim=32, seed=0):
    """A seeded catalogue of ``n_items`` items with ``dim``-dimensional embeddings.

    The same seed gives the same wardrobe on every machine: the same item
    attributes, styles and palettes (integer draws, or float64 draws rounded
    to a coarse grid), and embeddings equal up to the last bits of float32.
    """
    g = torch.Generator().manual_seed(seed)
    n_styles = len(STYLES)
    prototypes = _on_grid(torch.randn(n_styles, STYLE_DIM, generator=g, dtype=torch.float64))
    palettes = torch.randint(360, (n_styles, 2), generator=g)

    share_ends = torch.tensor(CATEGORY_PERCENT).cumsum(0)  # 22, 42, ..., 100
    percentile = torch.randint(100, (n_items,), generator=g)
    categories = torch.bucketize(percentile, share_ends, right=True)
    styles = torch.randint(n_styles, (n_items,), generator=g)
    offsets = STYLE_SPREAD * torch.randn(n_items, STYLE_DIM, generator=g, dtype=torch.float64)
    style_vectors = _on_grid(prototypes[styles].double() + offsets)
    hues, saturations = _item_colours(n_items, styles, palettes, g)
    lightness = torch.rand(n_items, generator=g)
    nuisance = torch.randn(n_items, NUISANCE_DIM, generator=g)

    radians = hues * (math.pi / 180)
    features = torch.cat(
        [
            3.0 * torch.nn.functional.one_hot(categories, len(CATEGORIES)).float(),
            style_vectors,
            1.5 * saturations.unsqueeze(1) * torch.stack([radians.cos(), radians.sin()], dim=1),
            lightness.unsqueeze(1),
            0.5 * nuisance,
        ],
        dim=1,
    )
    # A random rotation into R^dim: the information is all there, in unreadable coordinates.
    rotation, _ = torch.linalg.qr(torch.randn(dim, features.shape[1], generator=g))
    embeddings = features @ rotation.T + 0.05 * torch.randn(n_items, dim, generator=g)
    return Wardrobe(
        embeddings=embeddings.float(),
        categories=categories,
        styles=styles,
        style_vectors=style_vectors,
        hues=hues,
        saturations=saturations,
        lightness=lightness,
        prototypes=prototypes,
        palettes=palettes,
        seed=seed,
    )


def _affinity(wardrobe, style, base_hue):
    """(N,) float64 log-weights of every item for an outfit of ``style`` around ``base_hue``.

    ``base_hue`` in degrees. Elementwise arithmetic on exact values (grid
    coordinates, whole degrees): the same bits on every CPU.
    """
    offsets = wardrobe.style_vectors.double() - wardrobe.prototypes[style].double()
    style_gap = offsets.square().sum(1)  # sums of multiples of 1/1024: exact in any order
    turn = (wardrobe.hues - base_hue) % 180  # a hue or its complement
    colour_gap = torch.minimum(turn, 180 - turn).double() / 90
    colour_term = wardrobe.saturations.double() * colour_gap.square()
    return -STYLE_WEIGHT * style_gap - COLOUR_WEIGHT * colour_term


def _draw_weights(affinity):
    """Integer weights (int64) proportional to ``exp(affinity)``, the best item's WEIGHT_UNITS.

    Rounded to whole units, far above the last-bit differences of ``exp``
    between CPUs (1e-10 of a unit); items below half a unit are never drawn.
    """
    return torch.round(WEIGHT_UNITS * torch.exp(affinity - affinity.max())).long()


def _weighted_draws(weights, n, g):
    """``n`` indices drawn with replacement with probability proportional to int64 ``weights``.

    Integer arithmetic only: a ticket in [0, total) and the item whose share of
    the cumulative weights holds it.
    """
    ends = weights.cumsum(0)
    tickets = torch.randint(int(ends[-1]), (n,), generator=g)
    return torch.searchsorted(ends, tickets, right=True)


def _uniform_below(counts, g):
    """For each count c of the int64 tensor ``counts``, an integer uniform in [0, c)."""
    return torch.randint(2**40, counts.shape, generator=g) % counts  # bias below 1e-11


@one_thread()
def sample_outfits(wardrobe, n_outfits, seed, min_size=3):
    """``n_outfits`` outfits drawn from the hidden styles: a list of int64 index tensors.

    Each outfit picks a style, one of its two palette hues, and the categories
    it holds (``min_size`` to 6, at most one item each); each item is then drawn
    from its category with probability proportional to
    ``exp(-STYLE_WEIGHT * style gap - COLOUR_WEIGHT * saturation * colour gap^2)``
    (in whole units of 2^-20 of the best item's). Items come in category order.
    The same wardrobe and seed give the same outfits, on every CPU.
    """
    g = torch.Generator().manual_seed(seed)
    n_draw = 2 * n_outfits + 16  # enough outfits survive the size rule
    styles = torch.randint(len(STYLES), (n_draw,), generator=g)
    palette_choice = torch.randint(2, (n_draw,), generator=g)
    include = _percent_draws(IN_OUTFIT_PERCENT, (n_draw, 6), g)
    keep = torch.nonzero(include.sum(1) >= min_size).flatten()[:n_outfits]
    styles, palette_choice, include = styles[keep], palette_choice[keep], include[keep]
    mood = styles * 2 + palette_choice  # one of 2 * len(STYLES) (style, base hue) pairs
    picks = torch.full((len(keep), 6), -1, dtype=torch.int64)
    for c in range(6):
        pool = torch.nonzero(wardrobe.categories == c).flatten()
        for m in range(2 * len(STYLES)):
            rows = torch.nonzero(include[:, c] & (mood == m)).flatten()
            if len(rows) == 0:
                continue
            base_hue = wardrobe.palettes[m // 2, m % 2]
            weights = _draw_weights(_affinity(wardrobe, m // 2, base_hue)[pool])
            picks[rows, c] = pool[_weighted_draws(weights, len(rows), g)]
    return [row[row >= 0] for row in picks]


@one_thread()
def sub_outfits(outfits, seed, min_size=2):
    """For each outfit, a random subset of at least ``min_size`` of its items (a positive too).

    A subset of a compatible outfit is compatible: training on subsets teaches
    a scorer to rate partial outfits, which greedy search asks it to do.
    """
    g = torch.Generator().manual_seed(seed)
    subsets = []
    for outfit in outfits:
        size = int(torch.randint(min_size, len(outfit) + 1, (1,), generator=g))
        keep = torch.randperm(len(outfit), generator=g)[:size].sort().values
        subsets.append(outfit[keep])
    return subsets


def padded(outfits, width=None):
    """The outfits as one int64 tensor (len(outfits), width), -1 after each outfit's items."""
    width = width or max((len(o) for o in outfits), default=0)
    table = torch.full((len(outfits), width), -1, dtype=torch.int64)
    for row, outfit in zip(table, outfits, strict=True):
        row[: len(outfit)] = outfit
    return table


def unpadded(table):
    """The inverse of :func:`padded`: a list of int64 tensors without the -1s."""
    return [row[row >= 0] for row in table]


def _random_items(wardrobe, categories, g):
    """One uniformly random catalogue item of each given category (an int64 tensor)."""
    items = torch.empty_like(categories)
    for c in range(len(CATEGORIES)):
        where = categories == c
        pool = torch.nonzero(wardrobe.categories == c).flatten()
        items[where] = pool[torch.randint(len(pool), (int(where.sum()),), generator=g)]
    return items


def _random_position(valid, g):
    """For each row of the boolean (n, width) ``valid``, a uniformly random True column."""
    rank = _uniform_below(valid.sum(1), g)  # which of the row's True columns
    return (valid.cumsum(1) <= rank.unsqueeze(1)).sum(1)


def matching_duplicates(wardrobe, table, n, g):
    """For each outfit, ``n`` items that break the one-per-category rule but match its style.

    Each draw takes a random category the outfit already has and an item of
    it, with the probability a real outfit's item would have: from the
    outfit's majority style and the palette hue nearest its most colourful
    item. ``table`` is int64 (B, width), -1 padded; ``g`` a torch.Generator.
    Returns int64 (B, n).
    """
    valid = table >= 0
    items = table.clamp(min=0)
    rows = torch.arange(len(table))
    styles = torch.where(valid, wardrobe.styles[items], -1)
    majority = torch.stack([(styles == s).sum(1) for s in range(len(STYLES))], 1).argmax(1)
    colourful = torch.where(valid, wardrobe.saturations[items], -1.0).argmax(1)
    hue = wardrobe.hues[items[rows, colourful]]
    turn = (hue.unsqueeze(1) - wardrobe.palettes[majority]) % 360  # whole degrees
    palette = torch.minimum(turn, 360 - turn).argmin(1)
    sizes = valid.sum(1, keepdim=True).expand(-1, n)
    positions = _uniform_below(sizes, g)  # (B, n): the outfit's items come first in its row
    category = wardrobe.categories[items.gather(1, positions)].flatten()
    mood = (majority * 2 + palette).repeat_interleave(n)
    new = torch.empty(len(table) * n, dtype=torch.int64)
    for c in range(len(CATEGORIES)):
        pool = torch.nonzero(wardrobe.categories == c).flatten()
        for m in range(2 * len(STYLES)):
            chosen = torch.nonzero((category == c) & (mood == m)).flatten()
            if len(chosen) == 0:
                continue
            affinity = _affinity(wardrobe, m // 2, wardrobe.palettes[m // 2, m % 2])[pool]
            new[chosen] = pool[_weighted_draws(_draw_weights(affinity), len(chosen), g)]
    return new.view(len(table), n)


@one_thread()
def negative_outfits(wardrobe, outfits, kind, seed):
    """Incompatible outfits made from real ones by swapping or adding items.

    ``kind``:

    * ``"random"``: every item replaced by a random item of the same category
      (Polyvore's compatibility test);
    * ``"swap"``: one item replaced by a random item of the same category;
    * ``"duplicate"``: an item of a category the outfit already has added,
      drawn the way a real outfit's item is (from the outfit's majority style
      and its most colourful item's hue, so it matches!): two tops are not an
      outfit however well they match;
    * ``"odd"``: a random item of a category the outfit lacks added (an outfit
      with all six categories gets one item swapped instead).

    Returns a list of int64 tensors, one per outfit, in the order given.
    """
    if kind not in ("random", "swap", "duplicate", "odd"):
        raise ValueError(f"kind must be random, swap, duplicate or odd, got {kind!r}")
    g = torch.Generator().manual_seed(seed)
    table = padded(outfits, width=7)
    valid = table >= 0
    cats = torch.where(valid, wardrobe.categories[table.clamp(min=0)], -1)
    rows = torch.arange(len(table))
    if kind == "random":
        table[valid] = _random_items(wardrobe, cats[valid], g)
        return unpadded(table)
    sizes = valid.sum(1)
    if kind == "swap":
        position = _random_position(valid, g)
        table[rows, position] = _random_items(wardrobe, cats[rows, position], g)
        return unpadded(table)
    if kind == "odd":
        have = torch.zeros(len(table), len(CATEGORIES) + 1, dtype=torch.bool)
        have[rows.unsqueeze(1), cats] = True
        missing = ~have[:, : len(CATEGORIES)]
        full = ~missing.any(1)
        missing[full] = True  # drawn but not used: those outfits get a swap
        new = _random_items(wardrobe, _random_position(missing, g), g)
        table[rows[~full], sizes[~full]] = new[~full]
        position = _random_position(valid, g)[full]
        table[rows[full], position] = _random_items(wardrobe, cats[rows[full], position], g)
        return unpadded(table)
    # duplicate: an item of an existing category that suits the outfit.
    new = matching_duplicates(wardrobe, table, 1, g).squeeze(1)
    category = wardrobe.categories[new]
    # Never the very item the outfit has: then take the next item of the pool.
    clash = (table == new.unsqueeze(1)).any(1)
    for row in torch.nonzero(clash).flatten().tolist():
        pool = torch.nonzero(wardrobe.categories == category[row]).flatten()
        spot = int(torch.searchsorted(pool, new[row]))
        new[row] = pool[(spot + 1) % len(pool)]
    table[rows, sizes] = new
    return unpadded(table)


@one_thread()
def partial_outfits(outfits, k, seed):
    """Each outfit with ``k`` random items taken out: ``(partial, removed)`` lists of tensors.

    Only outfits of more than ``k + 1`` items are used, so that a partial outfit
    keeps at least two items. The removed items are in category order.
    """
    g = torch.Generator().manual_seed(seed)
    partial, removed = [], []
    for outfit in outfits:
        if len(outfit) < k + 2:
            continue
        order = torch.randperm(len(outfit), generator=g)
        partial.append(outfit[order[k:].sort().values])
        removed.append(outfit[order[:k].sort().values])
    return partial, removed


@one_thread()
def fill_in_the_blank(wardrobe, outfits, seed, n_candidates=4):
    """Fill-in-the-blank questions: one item hidden, ``n_candidates`` of its category offered.

    Returns ``(questions, candidates, answers)``: the outfits without their
    hidden item (a list of tensors), int64 ``(Q, n_candidates)`` candidate
    items (the hidden one among random items of its category) and int64 ``(Q,)``
    the position of the right candidate.
    """
    g = torch.Generator().manual_seed(seed)
    by_category = [torch.nonzero(wardrobe.categories == c).flatten() for c in range(6)]
    questions, candidates, answers = [], [], []
    for outfit in outfits:
        hidden = int(torch.randint(len(outfit), (1,), generator=g))
        truth = int(outfit[hidden])
        pool = by_category[int(wardrobe.categories[truth])]
        pool = pool[pool != truth]
        others = pool[torch.randperm(len(pool), generator=g)[: n_candidates - 1]]
        answer = int(torch.randint(n_candidates, (1,), generator=g))
        offered = torch.cat([others[:answer], torch.tensor([truth]), others[answer:]])
        questions.append(torch.cat([outfit[:hidden], outfit[hidden + 1 :]]))
        candidates.append(offered)
        answers.append(answer)
    return questions, torch.stack(candidates), torch.tensor(answers)
