"""Triplet mining and the batch-hard loss, ours against pytorch-metric-learning (pml).

    .venv/bin/python tests/benchmarks/bench_triplet_mining.py

Batches are face-like, as in the lecture's MegaFace (many people, few photos
each): P = N / 4 classes of K = 4 embeddings each, N = 64, 128, 256, 512, 1024,
D = 64, float32, standard normal embeddings scaled to unit length, margin 0.2.

For each N it times, as the best of several runs on one thread (the run least
disturbed by other work on the machine, as in bench_pearson.py):

* ``mine_triplets(emb, labels, margin, kind)`` for the four kinds against
  ``TripletMarginMiner(margin, kind, distance=LpDistance(normalize_embeddings=False))``
  (which builds a dense N x N x N mask of all triplets), and asserts that both
  return the same set of triplets;
* ``batch_hard_triplet_loss`` (forward and backward) against ``BatchHardMiner`` +
  ``TripletMarginLoss`` with the same distance and a mean reducer, and asserts
  that the losses agree.

Prints a table and writes build/bench/triplet_mining.json with ``ratio``: the median
over sizes of (our time / their time) for mining (the four kinds together), and
``ratio_batch_hard`` for the loss. Goal: ``ratio`` <= 0.1 with identical triplets.
"""

import json
import statistics
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pytorch_metric_learning.distances import LpDistance  # noqa: E402
from pytorch_metric_learning.losses import TripletMarginLoss  # noqa: E402
from pytorch_metric_learning.miners import BatchHardMiner, TripletMarginMiner  # noqa: E402
from pytorch_metric_learning.reducers import MeanReducer  # noqa: E402

from course.reference.triplet import batch_hard_triplet_loss, mine_triplets  # noqa: E402
from tests.benchmarks.timing import best_time  # noqa: E402

KINDS = ("all", "hard", "semihard", "easy")
SIZES = (64, 128, 256, 512, 1024)
PER_CLASS = 4
DIM = 64
MARGIN = 0.2


def face_like_batch(n, per_class=PER_CLASS, dim=DIM, seed=0):
    """``(emb, labels)``: n / per_class classes of per_class unit-length embeddings each."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n // per_class).repeat_interleave(per_class)
    emb = torch.nn.functional.normalize(torch.randn(len(labels), dim, generator=generator), dim=1)
    return emb, labels


def _triplet_set(triplets):
    return sorted(zip(*(t.tolist() for t in triplets), strict=True))


def compare_once(emb, labels, margin=MARGIN, repeats=3):
    """Time both implementations on one batch; check they agree. Returns a dict of figures."""
    distance = LpDistance(normalize_embeddings=False, p=2, power=1)
    miners = {
        k: TripletMarginMiner(margin=margin, type_of_triplets=k, distance=distance) for k in KINDS
    }
    identical, counts = True, {}
    for kind in KINDS:
        ours = mine_triplets(emb, labels, margin, kind)
        theirs = miners[kind](emb, labels)
        counts[kind] = len(ours[0])
        identical &= _triplet_set(ours) == _triplet_set(theirs)

    def ours_all_kinds():
        for kind in KINDS:
            mine_triplets(emb, labels, margin, kind)

    def theirs_all_kinds():
        for kind in KINDS:
            miners[kind](emb, labels)

    miner = BatchHardMiner(distance=distance)
    loss_fn = TripletMarginLoss(margin=margin, distance=distance, reducer=MeanReducer())

    def ours_batch_hard():
        x = emb.clone().requires_grad_(True)
        batch_hard_triplet_loss(x, labels, margin).backward()

    def theirs_batch_hard():
        x = emb.clone().requires_grad_(True)
        loss_fn(x, labels, miner(x, labels)).backward()

    ours_loss = batch_hard_triplet_loss(emb, labels, margin)
    theirs_loss = loss_fn(emb, labels, miner(emb, labels))
    return {
        "n": len(emb),
        "classes": int(labels.unique().numel()),
        "triplets": counts,
        "identical": bool(identical),
        "mine_ours_s": best_time(ours_all_kinds, repeats)[0],
        "mine_theirs_s": best_time(theirs_all_kinds, repeats)[0],
        "batch_hard_ours_s": best_time(ours_batch_hard, repeats)[0],
        "batch_hard_theirs_s": best_time(theirs_batch_hard, repeats)[0],
        "batch_hard_close": bool(torch.allclose(ours_loss, theirs_loss, atol=1e-5, rtol=1e-5)),
    }


def main():
    torch.set_num_threads(1)
    rows = []
    print(
        f"face-like batches: N / {PER_CLASS} classes x {PER_CLASS} embeddings, D = {DIM}, "
        f"unit length, float32, margin {MARGIN}, 1 thread; best of runs\n"
    )
    header = (
        f"{'N':>5} {'classes':>7} {'valid triplets':>14} {'mine ours':>10} {'mine pml':>10} "
        f"{'ratio':>7} {'same':>5} {'BH ours':>9} {'BH pml':>9} {'ratio':>7} {'same':>5}"
    )
    print(header)
    for n in SIZES:
        emb, labels = face_like_batch(n)
        row = compare_once(emb, labels, repeats=5 if n <= 256 else 3)
        assert row["identical"], (
            f"N = {n}: the mined triplets differ from pytorch-metric-learning's"
        )
        assert row["batch_hard_close"], f"N = {n}: the batch-hard losses differ"
        row["mine_ratio"] = row["mine_ours_s"] / row["mine_theirs_s"]
        row["batch_hard_ratio"] = row["batch_hard_ours_s"] / row["batch_hard_theirs_s"]
        valid = row["triplets"]["all"] + row["triplets"]["easy"]
        rows.append(row)
        print(
            f"{n:>5} {row['classes']:>7} {valid:>14,} {row['mine_ours_s'] * 1e3:>8.1f}ms "
            f"{row['mine_theirs_s'] * 1e3:>8.1f}ms {row['mine_ratio']:>7.3f} {'yes':>5} "
            f"{row['batch_hard_ours_s'] * 1e3:>7.2f}ms {row['batch_hard_theirs_s'] * 1e3:>7.2f}ms "
            f"{row['batch_hard_ratio']:>7.3f} {'yes':>5}"
        )
    ratio = statistics.median(r["mine_ratio"] for r in rows)
    ratio_bh = statistics.median(r["batch_hard_ratio"] for r in rows)
    print(f"\nmedian ratio ours / pml, mining (4 kinds): {ratio:.3f} (goal <= 0.1)")
    print(f"median ratio ours / pml, batch-hard loss forward + backward: {ratio_bh:.3f}")
    out = REPO / "build" / "bench" / "triplet_mining.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "batch": f"N / {PER_CLASS} classes x {PER_CLASS} embeddings, D = {DIM}, unit length",
        "sizes": list(SIZES),
        "margin": MARGIN,
        "threads": 1,
        "ratio": ratio,
        "ratio_batch_hard": ratio_bh,
        "goal": 0.1,
        "identical": all(r["identical"] for r in rows),
        "rows": rows,
    }
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
