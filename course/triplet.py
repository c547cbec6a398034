"""The small embedding network of the 05_triplet notebook, its batches, training loop and tables.

Nothing here computes a triplet loss or mines triplets: the notebook passes the
student's functions in, so the network trains with the code the student wrote.
Shipped to students with the notebooks.
"""

import itertools

import torch
from torch import nn
from tqdm.auto import tqdm

from course.notebook import one_thread

__all__ = [
    "EmbeddingNet",
    "collection_bound_rows",
    "embed",
    "pk_batch",
    "random_shift",
    "random_triplets",
    "split_gallery_query",
    "train_embedding",
    "verification_rates",
]


class EmbeddingNet(nn.Module):
    """A small CNN from 8x8 images to unit-length embeddings (as in FaceNet).

    (B, 64) -> (B, 1, 8, 8) -> conv 3x3, 16 channels -> ReLU -> max-pool 2
    -> conv 3x3, 32 channels -> ReLU -> (B, 32 * 4 * 4) -> linear 64 -> ReLU
    -> linear ``dim`` -> batch norm -> L2-normalise.

    The batch norm before the normalisation spreads the embeddings over the
    sphere from the first step; without it the outputs of a fresh network point
    in nearly one direction, and batch-hard training collapsed them to a point.
    """

    def __init__(self, dim=64):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * 4 * 4, 64),
            nn.ReLU(),
            nn.Linear(64, dim),
            nn.BatchNorm1d(dim),
        )

    def forward(self, images):
        """Embeddings (B, dim) of unit Euclidean length for images (B, 64) in [0, 1]."""
        out = self.features(images.reshape(-1, 1, 8, 8))
        return nn.functional.normalize(out, dim=1)


def random_shift(images, generator):
    """Shift a batch of 8x8 images (B, 64) by one random offset of -1, 0 or 1 pixel per axis.

    Pixels shifted in are 0 (background). A cheap augmentation: the network must
    not rely on exact pixel positions, which helps it on digits it never saw.
    """
    padded = nn.functional.pad(images.reshape(-1, 8, 8), (1, 1, 1, 1))
    dx, dy = torch.randint(0, 3, (2,), generator=generator).tolist()
    return padded[:, dy : dy + 8, dx : dx + 8].reshape(-1, 64)


def pk_batch(labels, classes_per_batch, per_class, generator):
    """Indices of a P x K batch (Hermans et al., 2017): P random classes, K random images each.

    Classes with fewer than K images contribute all of them.
    """
    classes = labels.unique()
    chosen = classes[torch.randperm(len(classes), generator=generator)[:classes_per_batch]]
    parts = []
    for c in chosen:
        members = (labels == c).nonzero(as_tuple=True)[0]
        parts.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    return torch.cat(parts)


def random_triplets(labels, generator):
    """One random triplet per anchor: a random positive and a random negative of the batch.

    Anchors without a positive or a negative are skipped. Returns ``(a, p, n)`` int64 tensors.
    """
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    positive = same & ~torch.eye(len(labels), dtype=torch.bool)
    negative = ~same
    anchors = (positive.any(1) & negative.any(1)).nonzero(as_tuple=True)[0]
    noise = torch.rand(len(anchors), len(labels), 2, generator=generator)
    # The largest random key among the allowed columns is a uniform pick.
    p = torch.where(positive[anchors], noise[..., 0], -1.0).argmax(1)
    n = torch.where(negative[anchors], noise[..., 1], -1.0).argmax(1)
    return anchors, p, n


def train_embedding(
    model,
    images,
    labels,
    loss_step,
    steps,
    classes_per_batch=7,
    per_class=12,
    lr=1e-3,
    shift=True,
    seed=0,
    desc="training",
):
    """Train ``model`` with Adam on P x K batches, minimising ``loss_step(emb, labels, generator)``.

    Each step draws a P x K batch (``pk_batch``), shifts it by a random pixel
    offset when ``shift`` (``random_shift``), embeds it and takes one Adam step
    on ``loss_step(embeddings, batch_labels, generator)``.

    Returns the loss of every step (a list of floats).
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    model.train()
    with one_thread():
        for _ in (progress := tqdm(range(steps), desc=desc, unit="step")):
            batch = pk_batch(labels, classes_per_batch, per_class, generator)
            x = random_shift(images[batch], generator) if shift else images[batch]
            loss = loss_step(model(x), labels[batch], generator)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append(loss.item())
            if len(history) % 20 == 0:
                progress.set_postfix(loss=f"{sum(history[-20:]) / 20:.3f}")
    model.eval()
    return history


@torch.no_grad()
def embed(model, images):
    """Embeddings of ``images`` (N, 64) with the model in evaluation mode: (N, dim)."""
    model.eval()
    return model(images)


def split_gallery_query(labels, per_class, seed=0):
    """Per class, ``per_class`` random gallery indices; the rest are queries.

    Returns ``(gallery_indices, query_indices)``, each sorted.
    """
    generator = torch.Generator().manual_seed(seed)
    gallery = []
    for c in labels.unique():
        members = (labels == c).nonzero(as_tuple=True)[0]
        gallery.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    gallery = torch.cat(gallery).sort().values
    query = torch.ones(len(labels), dtype=torch.bool)
    query[gallery] = False
    return gallery, query.nonzero(as_tuple=True)[0]


@torch.no_grad()
def verification_rates(emb, labels, threshold, same_identity):
    """True and false accept rates of ``same_identity`` over all pairs i < j of ``emb``.

    TAR = share of same-label pairs accepted; FAR = share of different-label pairs accepted.
    """
    i, j = torch.triu_indices(len(emb), len(emb), offset=1)
    accepted = same_identity(emb[i], emb[j], threshold)
    same = labels[i] == labels[j]
    return accepted[same].float().mean().item(), accepted[~same].float().mean().item()


@torch.no_grad()
def collection_bound_rows(emb, labels, collection_embedding, size, seed=0):
    """Check the collections talk's bound for every ordered pair of classes (k1, k2).

    From class k1 two disjoint collections G1, G2 of ``size`` members, from k2 one, G3:

        left  = || f(G1) - f(G2) ||                   (f = ``collection_embedding``)
        m     = max over a in G1, p in G2, n in G3 of d(a, p) - d(a, n)
        cross = max over s1 in G1, s2 in G3 of d(s1, s2)
        right = 2 * max(m, cross)

    Returns a list of dicts with those keys and ``holds`` (left <= right).
    """
    generator = torch.Generator().manual_seed(seed)
    members = {}
    for c in labels.unique().tolist():
        index = (labels == c).nonzero(as_tuple=True)[0]
        members[c] = index[torch.randperm(len(index), generator=generator)]
    rows = []
    for k1, k2 in itertools.permutations(sorted(members), 2):
        if len(members[k1]) < 2 * size or len(members[k2]) < size:
            continue
        g1, g2 = emb[members[k1][:size]], emb[members[k1][size : 2 * size]]
        g3 = emb[members[k2][:size]]
        left = torch.linalg.vector_norm(collection_embedding(g1) - collection_embedding(g2))
        d_ap, d_an = torch.cdist(g1, g2), torch.cdist(g1, g3)
        m = (d_ap.unsqueeze(2) - d_an.unsqueeze(1)).max()
        cross = d_an.max()
        right = 2 * torch.maximum(m, cross)
        rows.append(
            {
                "k1": k1,
                "k2": k2,
                "left": left.item(),
                "m": m.item(),
                "cross": cross.item(),
                "right": right.item(),
                "holds": bool(left <= right),
            }
        )
    return rows
