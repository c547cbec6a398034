"""pytorch-metric-learning (pml) as the oracle of 05_triplet's mining and batch-hard loss.

Shared by ``tests/reference/test_triplet.py`` (correctness) and
``tests/benchmarks/bench_triplet_mining.py`` (speed), so that both compare the
answer key with the same configuration of pml:

* ``TripletMarginMiner(margin, kind)`` with a plain Euclidean ``LpDistance``
  (pml's default distance normalises the embeddings first);
* ``BatchHardMiner`` + ``TripletMarginLoss`` with that distance and a
  ``MeanReducer`` (pml's default reducer averages the non-zero losses only).
"""

import torch
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.losses import TripletMarginLoss
from pytorch_metric_learning.miners import BatchHardMiner, TripletMarginMiner
from pytorch_metric_learning.reducers import MeanReducer

from course.reference.triplet import batch_hard_triplet_loss, mine_triplets

__all__ = [
    "KINDS",
    "agreement",
    "euclidean",
    "face_like_batch",
    "pml_batch_hard_loss",
    "pml_miner",
    "triplet_set",
]

KINDS = ("all", "hard", "semihard", "easy")


def euclidean():
    """pml's distance object for the plain Euclidean distance between raw embeddings."""
    return LpDistance(normalize_embeddings=False, p=2, power=1)


def pml_miner(margin, kind):
    """pml's miner of one kind of triplets (``delta = d(a, n) - d(a, p)`` against ``margin``)."""
    return TripletMarginMiner(margin=margin, type_of_triplets=kind, distance=euclidean())


def pml_batch_hard_loss(margin):
    """``(emb, labels) -> loss``: pml's batch-hard miner and triplet loss, mean reduced."""
    distance = euclidean()
    miner = BatchHardMiner(distance=distance)
    loss = TripletMarginLoss(margin=margin, distance=distance, reducer=MeanReducer())
    return lambda emb, labels: loss(emb, labels, miner(emb, labels))


def face_like_batch(n, per_class=4, dim=64, seed=0):
    """``(emb, labels)``: n / per_class classes of per_class unit-length embeddings each.

    Many classes with few members each, as in the lecture's MegaFace; float32, drawn in
    float64 (PyTorch's float32 normal sampler rounds differently from one CPU to another).
    """
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n // per_class).repeat_interleave(per_class)
    draws = torch.randn(len(labels), dim, generator=generator, dtype=torch.float64)
    emb = torch.nn.functional.normalize(draws.float(), dim=1)
    return emb, labels


def triplet_set(triplets):
    """Three index tensors ``(a, p, n)`` as a sorted list of ``(a, p, n)`` tuples."""
    return sorted(zip(*(t.tolist() for t in triplets), strict=True))


def agreement(emb, labels, margin):
    """Compare the answer key with pml on one batch.

    Returns ``{"identical": the four kinds give the same triplets, "counts": {kind:
    number of triplets}, "batch_hard_close": the batch-hard losses agree}``.
    """
    identical, counts = True, {}
    for kind in KINDS:
        ours = mine_triplets(emb, labels, margin, kind)
        counts[kind] = len(ours[0])
        identical &= triplet_set(ours) == triplet_set(pml_miner(margin, kind)(emb, labels))
    ours_loss = batch_hard_triplet_loss(emb, labels, margin)
    theirs_loss = pml_batch_hard_loss(margin)(emb, labels)
    close = torch.allclose(ours_loss, theirs_loss, atol=1e-5, rtol=1e-5)
    return {"identical": bool(identical), "counts": counts, "batch_hard_close": bool(close)}
