"""The GNN completer of 07_outfit: k missing embeddings generated in one call.

F_k^theta maps an outfit (n item embeddings) to k vectors in R^d; the nearest
catalogue items under rho complete the outfit, with no call of the scorer at
all. The graph is complete: the n items and k *blank* nodes (the items to
generate), each blank node starting from a learned state of its own (so the
k outputs can differ). A few rounds of message passing (your
``message_passing_layer``, with sum aggregation) let every node read every
other one; a linear read-out of the blank nodes gives the k vectors.

Trained (:func:`train_completer`) to put its k vectors on target items (the
greedy k-step solutions, or the items a real outfit had) with a loss passed
in: the notebook's ``completion_loss``. Its vectors become items by
:func:`project_distinct` (the nearest items, the GNN alone) or by
:func:`gnn_rerank` (a few nearest items per slot, the best combination by the
scorer: candidates from the GNN, ranking by S). Nothing here computes an
exercise: the notebook passes its ``message_passing_layer`` and
``nearest_items`` in. Shipped to students with the notebooks.
"""

import math

import torch
from torch import nn

from course.notebook import one_thread

__all__ = [
    "GNNCompleter",
    "PairMLP",
    "ResidualUpdate",
    "gnn_rerank",
    "project_distinct",
    "train_completer",
]


class PairMLP(nn.Module):
    """f(a, b) = W2 relu(W1 [a, b] + b1) + b2, on the last dimension of a and b.

    A message function M(h_i, h_j) for ``message_passing_layer``: a (..., left)
    and b (..., right) give (..., out).
    """

    def __init__(self, left, right, hidden, out):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(left + right, hidden), nn.ReLU(), nn.Linear(hidden, out))

    def forward(self, a, b):
        return self.net(torch.cat([a, b], dim=-1))


class ResidualUpdate(nn.Module):
    """An update function U(h, m) = LayerNorm(h + PairMLP(h, m)): h (..., d), m (..., d_m)."""

    def __init__(self, dim, message_dim, hidden):
        super().__init__()
        self.mlp = PairMLP(dim, message_dim, hidden, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, h, m):
        return self.norm(h + self.mlp(h, m))


class GNNCompleter(nn.Module):
    """F_k: outfits (B, n, d) -> k generated embeddings (B, k, d), one call per batch.

    ``message_passing`` is a function ``(h, M, U) -> h'`` (the notebook's
    ``message_passing_layer``); it is kept as a plain attribute, not saved
    with the weights.
    """

    def __init__(self, message_passing, dim=32, hidden=64, k=2, layers=2):
        super().__init__()
        self.message_passing = message_passing
        self.k = k
        self.read_in = nn.Linear(dim, hidden)
        self.blanks = nn.Parameter(torch.randn(k, hidden) / math.sqrt(hidden))
        self.messages = nn.ModuleList(
            PairMLP(hidden, hidden, hidden, hidden) for _ in range(layers)
        )
        self.updates = nn.ModuleList(ResidualUpdate(hidden, hidden, hidden) for _ in range(layers))
        self.read_out = nn.Linear(hidden, dim)

    def forward(self, items):
        nodes = self.read_in(items)
        blanks = self.blanks.to(nodes.dtype).expand(len(items), -1, -1)
        h = torch.cat([nodes, blanks], dim=1)  # (B, n + k, hidden)
        for M, U in zip(self.messages, self.updates, strict=True):
            h = self.message_passing(h, M, U)
        return self.read_out(h[:, -self.k :])


def project_distinct(vectors, outfit, catalog, rho, nearest_items):
    """Catalogue items for generated vectors (k, d): distinct and not in the outfit.

    The rule of ``relaxed_completion``'s last step: vector 1 takes its nearest
    item (``nearest_items`` under ``rho``) among those not in the outfit,
    vector 2 its nearest among the items left, and so on. One call of
    ``nearest_items`` on the whole catalogue settles it when the k nearest
    items are distinct and new (almost always); otherwise it goes vector by
    vector.
    """
    picked, _ = nearest_items(vectors, catalog, rho)
    chosen = picked.tolist()
    if len(set(chosen)) == len(chosen) and not set(chosen) & set(outfit.tolist()):
        return picked
    allowed = torch.ones(len(catalog), dtype=torch.bool)
    allowed[outfit] = False
    chosen = []
    for vector in vectors:
        candidates = torch.nonzero(allowed).flatten()
        index, _ = nearest_items(vector.unsqueeze(0), catalog[candidates], rho)
        chosen.append(int(candidates[index[0]]))
        allowed[chosen[-1]] = False
    return torch.tensor(chosen, dtype=torch.int64)


def gnn_rerank(completer, score_fn, outfit, catalog, rho, nearest_items, m=4):
    """GNN + re-rank: the GNN's k vectors, m candidates per slot, the best of the m^k by S.

    1. The completer writes the k vectors (one call, as for the GNN alone).
    2. Candidates, in rounds: in each round every slot with fewer than m
       candidates takes its nearest item under ``rho`` (one call of
       ``nearest_items`` for those slots) among the items not in the outfit
       and not taken before; when two slots want the same item, the one with
       fewer candidates so far (the first on a tie) takes it and the other
       tries again next round. Each slot ends with m candidates, nearly its
       m nearest new items, and the slots' lists are disjoint, so every
       combination below holds k distinct new items.
    3. Every combination of one candidate per slot, at most m^k outfits, is
       scored in **one** batched call of ``score_fn``; the best is returned.

    When the k nearest items are distinct and new (almost always), round 1 is
    the GNN's own completion (``project_distinct``), so re-ranking keeps a
    completion that S scores at least as high. The cost: one call of the GNN,
    about m calls of ``nearest_items`` and one call of S on m^k outfits (16
    for m = 4 and k = 2), against k calls of S on the whole catalogue for
    greedy k-step.

    Args:
        completer: a trained :class:`GNNCompleter` (outfits (B, n, d) -> (B, k, d)).
        score_fn: the scorer, (B, m, d) outfits -> (B,) scores.
        outfit: int64 tensor (n,) of catalogue indices.
        catalog: float tensor (N, d).
        rho: the distance of ``nearest_items``: "l1", "l2", "l10" or "cos".
        nearest_items: ``nearest_items(vectors, catalog, rho) -> (index, distance)``.
        m: candidates per slot (m = 1: the GNN's own items, up to such clashes).

    Returns:
        int64 tensor (k,): the chosen items, in the order of the GNN's slots.
    """
    with torch.inference_mode():
        vectors = completer(catalog[outfit].unsqueeze(0))[0]  # (k, d)
        # The candidates are the first `size` rows of a copy of the catalogue: an item leaves by
        # taking the last candidate's row into its own, so each round searches a view, not a copy.
        pool, size = catalog.clone(), len(catalog)
        item_at, row_of = {}, {}  # the rows and items that moved; every other row holds its item

        def take(item):
            nonlocal size
            row, size = row_of.get(item, item), size - 1
            last = item_at.get(size, size)
            pool[row] = pool[size]
            item_at[row], row_of[last], row_of[item] = last, row, size

        for item in outfit.tolist():
            take(item)
        slots = [[] for _ in vectors]
        while size and (short := [j for j, found in enumerate(slots) if len(found) < m]):
            short.sort(key=lambda j: len(slots[j]))  # the slots with fewest candidates first
            index, _ = nearest_items(vectors[short], pool[:size], rho)
            wanted = [item_at.get(row, row) for row in index.tolist()]  # before rows move
            for j, item in zip(short, wanted, strict=True):
                if row_of.get(item, item) < size:  # not taken by another slot of this round
                    slots[j].append(item)
                    take(item)
        lists = [torch.tensor(found, dtype=torch.int64) for found in slots]
        grid = torch.meshgrid(*lists, indexing="ij")
        combinations = torch.stack(grid, dim=-1).reshape(-1, len(lists))  # (<= m^k, k)
        items = torch.cat([outfit.expand(len(combinations), -1), combinations], dim=1)
        scores = score_fn(catalog[items])  # one batched call
        return combinations[scores.argmax()].clone()


def train_completer(
    model,
    outfits,
    targets,
    catalog,
    loss_fn,
    epochs,
    lr=3e-3,
    batch_size=128,
    seed=0,
    progress=None,
):
    """Fit the completer: minimize ``loss_fn(model(O), catalog[targets])`` over the outfits.

    Args:
        model: a :class:`GNNCompleter`.
        outfits: list of int64 tensors (partial outfits, of any sizes).
        targets: int64 tensor (len(outfits), k): the items to generate, in the
            order of the model's k outputs.
        catalog: float tensor (N, d).
        loss_fn: ``loss_fn(generated, wanted)`` on (B, k, d) tensors, a 0-d loss.
        epochs: passes over the outfits; each minibatch holds outfits of one size.
        progress: called as ``progress(epoch, mean loss)`` after each epoch.

    Returns:
        The mean training loss of each epoch (a list). Deterministic for one seed.
    """
    sizes = torch.tensor([len(o) for o in outfits])
    groups = {size: torch.nonzero(sizes == size).flatten() for size in sizes.unique().tolist()}
    tables = {s: torch.stack([outfits[i] for i in rows.tolist()]) for s, rows in groups.items()}
    n_batches = sum(math.ceil(len(rows) / batch_size) for rows in groups.values())
    history = []
    with one_thread():
        g = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, lr, total_steps=max(epochs * n_batches, 1)
        )
        model.train()
        for epoch in range(epochs):
            batches = []
            for size, rows in groups.items():
                order = torch.randperm(len(rows), generator=g)
                starts = range(0, len(rows), batch_size)
                batches += [(size, order[s : s + batch_size]) for s in starts]
            total, count = 0.0, 0
            for number in torch.randperm(len(batches), generator=g).tolist():
                size, chosen = batches[number]
                generated = model(catalog[tables[size][chosen]])
                loss = loss_fn(generated, catalog[targets[groups[size][chosen]]])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                total += loss.item() * len(chosen)
                count += len(chosen)
            history.append(total / max(count, 1))
            if progress is not None:
                progress(epoch, history[-1])
        model.eval()
    return history
