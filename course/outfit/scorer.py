"""The compatibility scorer S: a small set transformer with an outfit token, and its metrics.

In the spirit of OutfitTransformer (Sarkar et al., 2023, arXiv:2204.04812): the
items of an outfit are tokens, a learned *outfit token* is added to them, a
transformer encoder without positional encodings lets every token attend to
every other one (so the score does not depend on the order of the items), and
the outfit token's final state gives the compatibility score through a
sigmoid. Two simplifications keep it fast on a laptop CPU: it is small (two
blocks of width 32), and its last block updates the outfit token only, the
one state the score is read from.

A model ``S`` is called as ``S(items)`` on a float tensor (B, m, d) of B
outfits of m items each (the item embeddings) and returns (B,) scores in
(0, 1): the ``score_fn`` of the assignment. Training (:func:`train_scorer`)
teaches it to tell real outfits (and their subsets) from outfits with items
swapped in (``course.outfit.wardrobe.negative_outfits``).

The checkpoint shipped with the course, ``course/outfit/scorer.pt``, is built
by ``python -m scripts.build_outfit_scorer`` from its seed (see that script);
:func:`load_scorer` reads it. Shipped to students with the notebooks.
"""

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch import nn

from course.notebook import one_thread
from course.outfit.wardrobe import (
    fill_in_the_blank,
    make_wardrobe,
    matching_duplicates,
    negative_outfits,
    padded,
    sample_outfits,
    sub_outfits,
)

__all__ = [
    "CHECKPOINT",
    "SCORER_RECIPE",
    "OutfitScorer",
    "compatibility_auc",
    "fitb_accuracy",
    "load_scorer",
    "score_outfits",
    "scorer_data",
    "train_scorer",
]

#: Where the trained scorer is kept.
CHECKPOINT = Path(__file__).resolve().parent / "scorer.pt"

#: How the shipped scorer is built: the wardrobe, the data and the training (one seed).
SCORER_RECIPE = {
    "seed": 0,
    "n_items": 5000,
    "dim": 32,
    "n_train_outfits": 12000,
    "n_test_outfits": 2000,
    "width": 32,
    "heads": 2,
    "hidden": 64,
    "blocks": 1,
    "epochs": 12,
    "batch_size": 256,
    "lr": 3e-3,
    "negatives": {"random": 0.15, "swap": 0.25, "duplicate": 0.35, "odd": 0.25},
    "mine_from": 3,
    "mined": 4000,
    "mine_candidates": 32,
}


def _attention(q, k, v, keep):
    """Softmax(q k^T / sqrt(d)) v over heads: (B, h, Tq, dh) queries, (B, h, T, dh) keys, values.

    Plain matrix products: for sets of a handful of items they are faster on a
    CPU than ``F.scaled_dot_product_attention``. ``keep`` (B, T) masks padding.
    """
    weights = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if keep is not None:
        weights = weights.masked_fill(~keep[:, None, None, :], float("-inf"))
    return weights.softmax(-1) @ v


class _Block(nn.Module):
    """A pre-norm transformer block on the items: x + attention(LN x), then + MLP(LN x)."""

    def __init__(self, width, heads, hidden):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, width))

    def forward(self, x, keep):
        b, t, w = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, t, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        x = x + self.out(_attention(q, k, v, keep).transpose(1, 2).reshape(b, t, w))
        return x + self.mlp(self.norm2(x))


class _OutfitTokenBlock(nn.Module):
    """The outfit token reads the items: token + attention(token -> LN items), then + MLP."""

    def __init__(self, width, heads, hidden):
        super().__init__()
        self.heads = heads
        self.token = nn.Parameter(0.02 * torch.randn(width))
        self.query = nn.Linear(width, width)
        self.norm1 = nn.LayerNorm(width)
        self.key_value = nn.Linear(width, 2 * width)
        self.out = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, width))

    def forward(self, x, keep):
        b, t, w = x.shape
        k, v = self.key_value(self.norm1(x)).view(b, t, 2, self.heads, -1).permute(2, 0, 3, 1, 4)
        token = self.token.to(x.dtype)
        q = self.query(token).view(1, self.heads, 1, -1).expand(b, -1, -1, -1)
        outfit = token + self.out(_attention(q, k, v, keep).reshape(b, w))
        return outfit + self.mlp(self.norm2(outfit))


class OutfitScorer(nn.Module):
    """S: outfits (B, m, d) -> compatibility scores (B,) in (0, 1), invariant to item order.

    Item embeddings are projected to ``width``; ``blocks`` transformer blocks
    let every item attend to every other one (no positional encoding, so the
    order of the items does not matter); a learned outfit token then attends
    to the items, and a linear head on its state gives the logit. (The outfit
    token only reads: it is the one state the score comes from, so updating
    the items from it would cost time for nothing.)
    """

    def __init__(self, dim=32, width=32, heads=2, hidden=64, blocks=1):
        super().__init__()
        self.config = {"dim": dim, "width": width, "heads": heads, "hidden": hidden}
        self.config["blocks"] = blocks
        self.embed = nn.Linear(dim, width)
        self.blocks = nn.ModuleList(_Block(width, heads, hidden) for _ in range(blocks))
        self.outfit = _OutfitTokenBlock(width, heads, hidden)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, 1)

    def logits(self, items, keep=None):
        """Logits (B,) of outfits ``items`` (B, m, d); ``keep`` (B, m) marks real items."""
        tokens = self.embed(items)
        for block in self.blocks:
            tokens = block(tokens, keep)
        return self.head(self.norm(self.outfit(tokens, keep))).squeeze(-1)

    def forward(self, items, keep=None):
        """Scores (B,) in (0, 1) of outfits ``items`` (B, m, d)."""
        return torch.sigmoid(self.logits(items, keep))


def score_outfits(score_fn, embeddings, outfits, batch_size=4096):
    """S of each outfit of a list (of index tensors of any sizes): a float tensor (len,).

    Outfits of one size are scored together, in batches of ``batch_size``.
    """
    scores = torch.empty(len(outfits))
    sizes = torch.tensor([len(o) for o in outfits])
    with torch.no_grad():
        for size in sizes.unique().tolist():
            rows = torch.nonzero(sizes == size).flatten()
            table = torch.stack([outfits[r] for r in rows.tolist()])
            for start in range(0, len(rows), batch_size):
                chunk = rows[start : start + batch_size]
                scores[chunk] = score_fn(embeddings[table[start : start + batch_size]]).float()
    return scores


def compatibility_auc(score_fn, wardrobe, outfits, kind="random", seed=0):
    """ROC-AUC of real outfits against outfits with items swapped in (``negative_outfits``)."""
    negatives = negative_outfits(wardrobe, outfits, kind, seed)
    with one_thread():
        positive = score_outfits(score_fn, wardrobe.embeddings, outfits)
        negative = score_outfits(score_fn, wardrobe.embeddings, negatives)
    labels = [1] * len(positive) + [0] * len(negative)
    return float(roc_auc_score(labels, torch.cat([positive, negative]).double().numpy()))


def fitb_accuracy(score_fn, wardrobe, outfits, seed=0, n_candidates=4):
    """Fill-in-the-blank accuracy: the share of questions where S ranks the hidden item first."""
    questions, candidates, answers = fill_in_the_blank(wardrobe, outfits, seed, n_candidates)
    filled = [
        torch.cat([question, candidate.view(1)])
        for question, row in zip(questions, candidates, strict=True)
        for candidate in row
    ]
    with one_thread():
        scores = score_outfits(score_fn, wardrobe.embeddings, filled).view(-1, n_candidates)
    return float((scores.argmax(1) == answers).float().mean())


def scorer_data(recipe=SCORER_RECIPE):
    """The wardrobe, training pairs and test outfits a recipe describes (all from its seed).

    Returns ``(wardrobe, outfits (int64 (n, 7), -1 padded), labels (float (n,)),
    test_outfits)``: positives are real outfits and random subsets of them,
    negatives are as many outfits with items swapped or added, in the recipe's shares
    of each kind (``negative_outfits``).
    """
    seed = recipe["seed"]
    wardrobe = make_wardrobe(recipe["n_items"], recipe["dim"], seed=seed)
    train = sample_outfits(wardrobe, recipe["n_train_outfits"], seed=seed + 1)
    test = sample_outfits(wardrobe, recipe["n_test_outfits"], seed=seed + 2)
    positives = train + sub_outfits(train, seed=seed + 3)
    negatives, start = [], 0
    for number, (kind, share) in enumerate(recipe["negatives"].items()):
        count = round(share * len(positives))
        chosen = positives[start : start + count]
        negatives += negative_outfits(wardrobe, chosen, kind, seed=seed + 10 + number)
        start += count
    table = padded(positives + negatives, width=7)
    labels = torch.cat([torch.ones(len(positives)), torch.zeros(len(negatives))])
    return wardrobe, table, labels, test


def _hard_duplicates(scorer, wardrobe, outfits, n_candidates, g):
    """For each outfit (int64 (B, 7), -1 padded, at most 6 items), the duplicate S likes best.

    ``n_candidates`` matching items of categories the outfit already has
    (``matching_duplicates``) are scored as additions by the current
    ``scorer``; the best one is added. Such
    outfits break the one-item-per-category rule, and the search methods of
    the assignment would find them if the scorer rated them high: training on
    them (hard-negative mining) teaches the scorer not to.
    """
    valid = outfits >= 0
    candidates = matching_duplicates(wardrobe, outfits, n_candidates, g)
    tried = torch.cat(
        [outfits.unsqueeze(1).expand(-1, n_candidates, -1), candidates.unsqueeze(2)], dim=2
    ).flatten(0, 1)
    with torch.no_grad():
        logits = scorer.logits(wardrobe.embeddings[tried.clamp(min=0)], tried >= 0)
    best = candidates.gather(1, logits.view(len(outfits), -1).argmax(1, keepdim=True))
    mined = outfits.clone()
    mined[torch.arange(len(outfits)), valid.sum(1)] = best.squeeze(1)
    return mined


def train_scorer(recipe=SCORER_RECIPE, progress=None, max_steps=None, data=None):
    """Train an :class:`OutfitScorer` as ``recipe`` says; return ``(scorer, metrics)``.

    Binary cross-entropy on real outfits (label 1) against swapped ones
    (label 0), AdamW with a one-cycle learning rate. From epoch
    ``recipe["mine_from"]`` on, each epoch also trains on ``recipe["mined"]``
    hard negatives: real outfits with the duplicate-category item the current
    scorer likes best among ``recipe["mine_candidates"]`` random ones.

    Deterministic: one thread, seeded initialisation and batches. ``metrics``
    holds the held-out compatibility AUC (random and one-swap negatives), the
    fill-in-the-blank accuracy and the final training loss. ``progress``, if
    given, is called with ``(epoch, mean loss)`` after each epoch. With
    ``max_steps``, training stops after that many optimizer steps and
    ``metrics`` is None (a cheap, exactly repeatable start of the build).
    ``data``, if given, is ``scorer_data(recipe)`` computed already.
    """
    wardrobe, table, labels, test = scorer_data(recipe) if data is None else data
    positives = table[labels == 1]
    with one_thread():
        torch.manual_seed(recipe["seed"])
        scorer = OutfitScorer(
            recipe["dim"], recipe["width"], recipe["heads"], recipe["hidden"], recipe["blocks"]
        )
        optimizer = torch.optim.AdamW(scorer.parameters(), lr=recipe["lr"], weight_decay=1e-4)
        sizes = [
            len(table) + (recipe["mined"] if epoch >= recipe["mine_from"] else 0)
            for epoch in range(recipe["epochs"])
        ]
        steps = sum(math.ceil(size / recipe["batch_size"]) for size in sizes)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, recipe["lr"], total_steps=steps)
        g = torch.Generator().manual_seed(recipe["seed"])
        loss_value, done = math.nan, 0
        for epoch in range(recipe["epochs"]):
            epoch_table, epoch_labels = table, labels
            if epoch >= recipe["mine_from"]:
                chosen = torch.randperm(len(positives), generator=g)[: recipe["mined"]]
                mined = _hard_duplicates(
                    scorer, wardrobe, positives[chosen], recipe["mine_candidates"], g
                )
                epoch_table = torch.cat([table, mined])
                epoch_labels = torch.cat([labels, torch.zeros(len(mined))])
            order = torch.randperm(len(epoch_table), generator=g)
            total = 0.0
            for start in range(0, len(epoch_table), recipe["batch_size"]):
                rows = order[start : start + recipe["batch_size"]]
                batch = epoch_table[rows]
                logits = scorer.logits(wardrobe.embeddings[batch.clamp(min=0)], batch >= 0)
                loss = F.binary_cross_entropy_with_logits(logits, epoch_labels[rows])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                total += loss.item() * len(batch)
                done += 1
                if max_steps is not None and done >= max_steps:
                    return scorer.eval().requires_grad_(False), None
            loss_value = total / len(epoch_table)
            if progress is not None:
                progress(epoch, loss_value)
    scorer.eval().requires_grad_(False)
    metrics = {
        "auc_random": compatibility_auc(scorer, wardrobe, test, "random", seed=recipe["seed"]),
        "auc_swap": compatibility_auc(scorer, wardrobe, test, "swap", seed=recipe["seed"]),
        "fitb": fitb_accuracy(scorer, wardrobe, test, seed=recipe["seed"]),
        "train_loss": loss_value,
    }
    return scorer, metrics


def load_scorer(path=CHECKPOINT):
    """The trained scorer from its checkpoint, in eval mode, its weights frozen.

    Returns ``(scorer, info)``; ``info`` holds the recipe, the metrics measured
    when it was built and the SHA-256 of its training data.
    """
    saved = torch.load(path, weights_only=True)
    config = saved["config"]
    scorer = OutfitScorer(
        config["dim"], config["width"], config["heads"], config["hidden"], config["blocks"]
    )
    scorer.load_state_dict(saved["state_dict"])
    scorer.eval().requires_grad_(False)
    return scorer, {key: value for key, value in saved.items() if key != "state_dict"}
