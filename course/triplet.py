"""Photographs, the embedding network, batches, training, tables and figures of 05_triplet.

Nothing here computes an exercise (a triplet loss, mined triplets, an
identification, a threshold): the notebook passes the student's functions in,
so that the network trains and is evaluated with the code the student wrote.
``distance_tolerance`` is the rounding allowance of the notebook's tests.
Shipped to students with the notebooks.
"""

import itertools
import math

import matplotlib.pyplot as plt
import torch
from torch import nn
from tqdm.auto import tqdm

from course.notebook import one_thread

__all__ = [
    "PHOTO_SIZE",
    "EmbeddingNet",
    "collection_bound_rows",
    "distance_tolerance",
    "draw_negative_kinds",
    "embed",
    "photographs",
    "pk_batch",
    "random_triplets",
    "split_gallery_query",
    "train_embedding",
    "verification_rates",
]

#: A photograph is PHOTO_SIZE x PHOTO_SIZE pixels.
PHOTO_SIZE = 16


def photographs(
    images,
    generator,
    rotation=25.0,
    scale=(0.75, 1.1),
    shear=0.25,
    shift=0.15,
    wobble=0.08,
    contrast=(0.5, 1.3),
    light=0.35,
    noise=0.1,
):
    """A random 16 x 16 "photograph" of each 8 x 8 digit: pose, wobble, light and noise.

    Each image (a row of 64 pixels in [0, 1]) is resampled onto a 16 x 16 grid
    through its own random

    * pose: an affine map, rotation by up to ``rotation`` degrees, a zoom drawn
      from ``scale``, a shear up to ``shear`` and a shift up to ``shift`` of
      the half-width of the image in each direction;
    * wobble: an elastic distortion, a smooth random displacement field (a
      3 x 3 grid of normal offsets of standard deviation ``wobble``, in units
      of the half-width, interpolated bicubically), as in Simard et al. (2003);
    * light: the ink multiplied by a contrast drawn from ``contrast``, plus a
      brightness of up to ``light`` that grows linearly across the image in a
      random direction (light from one side);
    * noise: Gaussian pixel noise of standard deviation ``noise``.

    Args:
        images: float tensor (B, 64) of 8 x 8 images.
        generator: a ``torch.Generator``: the same generator state gives the
            same photographs.

    Returns:
        Float tensor (B, 256): one 16 x 16 photograph per row.
    """
    count = len(images)

    def uniform(low, high, *shape):
        return low + (high - low) * torch.rand(count, *shape, generator=generator)

    angle = uniform(-math.radians(rotation), math.radians(rotation))
    zoom = uniform(*scale)
    slant = uniform(-shear, shear)
    cos, sin, one, zero = angle.cos(), angle.sin(), torch.ones(count), torch.zeros(count)
    rotate = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)
    skew = torch.stack([torch.stack([one, slant], -1), torch.stack([zero, one], -1)], -2)
    theta = torch.cat([(rotate @ skew) / zoom[:, None, None], uniform(-shift, shift, 2, 1)], 2)
    size = (count, 1, PHOTO_SIZE, PHOTO_SIZE)
    # Where each output pixel looks in the input, in [-1, 1] coordinates (B, 16, 16, 2).
    grid = nn.functional.affine_grid(theta, size, align_corners=False)
    field = torch.randn(count, 2, 3, 3, generator=generator) * wobble
    field = nn.functional.interpolate(field, size=size[2:], mode="bicubic", align_corners=True)
    grid = grid + field.permute(0, 2, 3, 1)
    ink = nn.functional.grid_sample(
        images.reshape(count, 1, 8, 8), grid, mode="bilinear", align_corners=False
    )
    direction = uniform(0, 2 * math.pi)
    axis = torch.linspace(-1, 1, PHOTO_SIZE)
    ramp = axis[None, None, :] * direction.cos()[:, None, None]
    ramp = ramp + axis[None, :, None] * direction.sin()[:, None, None]  # (B, 16, 16)
    brightness = uniform(0, light, 1, 1) * (1 + ramp) / 2
    photo = ink[:, 0] * uniform(*contrast, 1, 1) + brightness
    photo = photo + torch.randn(photo.shape, generator=generator) * noise
    return photo.reshape(count, PHOTO_SIZE * PHOTO_SIZE)


class EmbeddingNet(nn.Module):
    """A small CNN from 16 x 16 photographs to unit-length embeddings (as in FaceNet).

    (B, 256) -> (B, 1, 16, 16) -> [conv 3x3, 16 channels -> batch norm -> ReLU
    -> max-pool 2] -> [conv 3x3, 32 -> batch norm -> ReLU -> max-pool 2]
    -> conv 3x3, 32 -> ReLU -> (B, 32 * 4 * 4) -> linear 128 -> ReLU
    -> linear ``dim`` -> batch norm -> L2-normalise.

    The batch norm before the normalisation spreads the embeddings over the
    sphere from the first step; without it the outputs of a fresh network point
    in nearly one direction, and batch-hard training collapsed them to a point.
    """

    def __init__(self, dim=64):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * 4 * 4, 128),
            nn.ReLU(),
            nn.Linear(128, dim),
            nn.BatchNorm1d(dim),
        )

    def forward(self, photos):
        """Embeddings (B, dim) of unit Euclidean length for photographs (B, 256)."""
        out = self.features(photos.reshape(-1, 1, PHOTO_SIZE, PHOTO_SIZE))
        return nn.functional.normalize(out, dim=1)


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
    lr=2e-3,
    weight_decay=0.05,
    seed=0,
    desc="training",
):
    """Train ``model`` on fresh photographs, minimising ``loss_step(emb, labels, generator)``.

    Each step draws a P x K batch of ``images`` (``pk_batch``), takes a new
    random photograph of each (``photographs``), embeds them and takes one
    AdamW step on ``loss_step(embeddings, batch_labels, generator)``. The
    learning rate follows a one-cycle schedule (a short warm-up to ``lr``, then
    a cosine decay towards 0), so that the last steps settle the network.

    Returns the loss of every step (a list of floats).
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=steps, pct_start=0.15
    )
    history = []
    model.train()
    with one_thread():
        for _ in (progress := tqdm(range(steps), desc=desc, unit="step")):
            batch = pk_batch(labels, classes_per_batch, per_class, generator)
            photos = photographs(images[batch], generator)
            loss = loss_step(model(photos), labels[batch], generator)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            history.append(loss.item())
            if len(history) % 20 == 0:
                progress.set_postfix(loss=f"{sum(history[-20:]) / 20:.3f}")
    model.eval()
    return history


@torch.no_grad()
def embed(model, photos):
    """Embeddings of ``photos`` (N, 256) with the model in evaluation mode: (N, dim)."""
    model.eval()
    with one_thread():
        return model(photos)


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
def verification_rates(emb, labels, threshold, same_identity, chunk=8192):
    """True and false accept rates of ``same_identity`` over all pairs i < j of ``emb``.

    TAR = share of same-label pairs accepted; FAR = share of different-label pairs accepted.
    The pairs go to ``same_identity`` ``chunk`` at a time, to bound the memory.
    """
    i, j = torch.triu_indices(len(emb), len(emb), offset=1)
    accepted = torch.cat(
        [
            same_identity(emb[i[start : start + chunk]], emb[j[start : start + chunk]], threshold)
            for start in range(0, len(i), chunk)
        ]
    )
    same = labels[i] == labels[j]
    return accepted[same].float().mean().item(), accepted[~same].float().mean().item()


@torch.no_grad()
def collection_bound_rows(emb, labels, collection_embedding, size, margin, seed=0):
    """Check the collections talk's bound for every ordered pair of classes (k1, k2).

    The talk's theorem assumes an embedding trained to zero triplet loss:
    d(a, p) - d(a, n) <= m for every triplet. Zero loss with margin ``margin``
    means d(a, p) - d(a, n) <= -margin, so m = -margin is taken from training,
    not measured on the collections checked (with m measured there, the bound
    would hold by construction). From class k1 two disjoint collections G1, G2
    of ``size`` members, from k2 one, G3 (Euclidean distances):

        left    = || f(G1) - f(G2) ||                (f = ``collection_embedding``)
        m       = -margin
        premise = share of the triplets (a in G1, p in G2, n in G3) with d(a, p) - d(a, n) <= m
        cross   = max over s1 in G1, s2 in G3 of d(s1, s2)
        step    = m + cross                          (the proof's last but one line)
        right   = 2 * max(m, cross)                  (the talk's bound)

    Returns a list of dicts with those keys, ``k1``, ``k2`` and ``holds``
    (left <= right) and ``step_holds`` (left <= step).
    """
    generator = torch.Generator().manual_seed(seed)
    members = {}
    for c in labels.unique().tolist():
        index = (labels == c).nonzero(as_tuple=True)[0]
        members[c] = index[torch.randperm(len(index), generator=generator)]
    m = -float(margin)
    rows = []
    for k1, k2 in itertools.permutations(sorted(members), 2):
        if len(members[k1]) < 2 * size or len(members[k2]) < size:
            continue
        g1, g2 = emb[members[k1][:size]], emb[members[k1][size : 2 * size]]
        g3 = emb[members[k2][:size]]
        left = torch.linalg.vector_norm(collection_embedding(g1) - collection_embedding(g2))
        d_ap, d_an = torch.cdist(g1, g2), torch.cdist(g1, g3)
        gaps = d_ap.unsqueeze(2) - d_an.unsqueeze(1)  # (a, p, n)
        cross = d_an.max().item()
        rows.append(
            {
                "k1": k1,
                "k2": k2,
                "left": left.item(),
                "m": m,
                "premise": (gaps <= m).float().mean().item(),
                "cross": cross,
                "step": m + cross,
                "right": 2 * max(m, cross),
                "holds": left.item() <= 2 * max(m, cross),
                "step_holds": left.item() <= m + cross,
            }
        )
    return rows


def distance_tolerance(emb, squared=False, at_least=0.0):
    """How far two correct results of ``pairwise_distances(emb)`` may lie apart by rounding alone.

    A squared distance |a - b|^2 computed in floating point, by its definition
    (the sum of the squared differences) or through the expansion
    |a|^2 + |b|^2 - 2 a.b (one matrix product), is off by at most about
    (D + 2) eps (|a|^2 + |b|^2), with eps = ``torch.finfo(emb.dtype).eps`` the
    precision of the dtype and D the length of a row: a dot product of length D
    is off by at most about D eps / 2 of the sum of its products' sizes
    (Higham, 2002, *Accuracy and Stability of Numerical Algorithms*, section
    3.1). Two correct answers may differ by both errors, so by at most

        T = 4 (D + 2) eps max_i |a_i|^2           (squared distances)

    and, as |x - y| = |x^2 - y^2| / (x + y) <= min(sqrt(|x^2 - y^2|), |x^2 - y^2| / y),
    distances by sqrt(T), or by T / ``at_least`` when every distance compared
    is at least ``at_least``. The expansion loses digits where |a - b| is far
    smaller than |a| and |b| (cancellation): the bound allows for it.

    Args:
        emb: floating-point tensor (..., N, D): the rows whose distances are compared.
        squared: the tolerance of squared distances (T) rather than of distances.
        at_least: a lower bound of the distances compared (0: none known).

    Returns:
        A float >= 0: an absolute tolerance (``atol``) for ``expect_close``.
    """
    eps = torch.finfo(emb.dtype).eps
    largest = emb.detach().double().pow(2).sum(dim=-1).max().item() if emb.numel() else 0.0
    allowed = 4 * (emb.shape[-1] + 2) * eps * largest
    if squared:
        return allowed
    if at_least > 0:
        return min(math.sqrt(allowed), allowed / at_least)
    return math.sqrt(allowed)


def draw_negative_kinds(d_ap=1.0, margin=0.5, count=220, seed=3):
    """The kinds of negatives around one anchor as rings: hard, semi-hard, easy.

    The anchor sits at the origin, its positive at distance ``d_ap``; ``count``
    negatives drawn uniformly in a square are coloured by their kind, with
    delta = d(a, n) - d(a, p): hard inside the circle of radius d(a, p),
    semi-hard in the ring out to d(a, p) + ``margin``, easy beyond it.
    """
    generator = torch.Generator().manual_seed(seed)
    reach = 1.4 * (d_ap + margin)
    negatives = (torch.rand(count, 2, generator=generator, dtype=torch.float64) * 2 - 1) * reach
    delta = torch.linalg.vector_norm(negatives, dim=1) - d_ap
    kinds = {
        "hard: δ ≤ 0": (delta <= 0, "C3"),
        "semi-hard: 0 < δ ≤ α": ((delta > 0) & (delta <= margin), "C1"),
        "easy: δ > α (loss 0)": (delta > margin, "C2"),
    }
    box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}
    _, axis = plt.subplots(figsize=(6.8, 4.2), layout="constrained")
    for radius, style, text in ((d_ap, "-", "d(a, p)"), (d_ap + margin, "--", "d(a, p) + α")):
        axis.add_patch(plt.Circle((0, 0), radius, fill=False, ls=style, color="k", lw=1.2))
        axis.text(0, radius + 0.02, text, ha="center", va="bottom", fontsize=10, bbox=box)
    for label, (mask, colour) in kinds.items():
        axis.scatter(*negatives[mask].T, s=14, color=colour, label=f"{label}: {int(mask.sum())}")
    # The three zones named on the picture, and the margin as the width of the ring.
    zones = (
        ((-0.45 * d_ap, -0.45 * d_ap), "hard", "C3"),
        ((0.0, -(d_ap + margin / 2)), "semi-hard", "C1"),
        ((-0.8 * reach, 0.88 * reach), "easy", "C2"),
    )
    for xy, name, colour in zones:
        axis.text(
            *xy, name, color=colour, fontsize=12, weight="bold", ha="center", va="center", bbox=box
        )
    arrow = {"arrowstyle": "<->", "lw": 1.2}
    axis.annotate("", (-d_ap - margin, 0), (-d_ap, 0), arrowprops=arrow)
    axis.text(-d_ap - margin / 2, 0.06, "margin α", ha="center", va="bottom", fontsize=9, bbox=box)
    axis.plot(0, 0, "k*", ms=14, label="anchor a")
    axis.plot(d_ap, 0, "k^", ms=9, label="positive p")
    axis.set(
        xlim=(-1.05 * reach, 1.05 * reach),
        ylim=(-1.05 * reach, 1.05 * reach),
        aspect="equal",
        title="Negatives of one anchor: hard, semi-hard, easy",
    )
    axis.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    plt.show()
