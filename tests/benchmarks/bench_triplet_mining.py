"""Triplet mining and the batch-hard loss, ours against pytorch-metric-learning (pml).

    .venv/bin/python -m tests.benchmarks.bench_triplet_mining

Batches are face-like, as in the lecture's MegaFace (many people, few photos
each): P = N / 4 classes of K = 4 embeddings each, N = 64, 128, 256, 512, 1024,
D = 64, float32, standard normal embeddings scaled to unit length, margin 0.2.

For each N it first checks, with ``tests.reference.pml_oracle.agreement``, that
``mine_triplets`` returns the same triplets as pml's ``TripletMarginMiner``
(which builds a dense N x N x N mask of all triplets) for the four kinds, and
that ``batch_hard_triplet_loss`` agrees with pml's ``BatchHardMiner`` +
``TripletMarginLoss``; then it times, as the best of several runs on one
thread (the run least disturbed by other work on the machine):

* mining, the four kinds one after the other, ours against pml's;
* the batch-hard loss, forward and backward, ours against pml's.

Prints a table and writes build/bench/triplet_mining.json with ``ratio``: the median
over sizes of (our time / their time) for mining (the four kinds together), and
``ratio_batch_hard`` for the loss. Goal: ``ratio`` <= 0.1 with identical triplets.
"""

import statistics

from course.notebook import one_thread
from course.reference.triplet import batch_hard_triplet_loss, mine_triplets
from tests.benchmarks.results import write_result
from tests.benchmarks.timing import best_time
from tests.reference.pml_oracle import (
    KINDS,
    agreement,
    face_like_batch,
    pml_batch_hard_loss,
    pml_miner,
)

SIZES = (64, 128, 256, 512, 1024)
PER_CLASS = 4
DIM = 64
MARGIN = 0.2


def time_once(emb, labels, margin=MARGIN, repeats=3):
    """Best-of-``repeats`` times of ours and pml's on one batch, in seconds (a dict)."""
    miners = {kind: pml_miner(margin, kind) for kind in KINDS}
    theirs_loss = pml_batch_hard_loss(margin)

    def ours_all_kinds():
        for kind in KINDS:
            mine_triplets(emb, labels, margin, kind)

    def theirs_all_kinds():
        for kind in KINDS:
            miners[kind](emb, labels)

    def ours_batch_hard():
        x = emb.clone().requires_grad_(True)
        batch_hard_triplet_loss(x, labels, margin).backward()

    def theirs_batch_hard():
        x = emb.clone().requires_grad_(True)
        theirs_loss(x, labels).backward()

    return {
        "mine_ours_s": best_time(ours_all_kinds, repeats)[0],
        "mine_theirs_s": best_time(theirs_all_kinds, repeats)[0],
        "batch_hard_ours_s": best_time(ours_batch_hard, repeats)[0],
        "batch_hard_theirs_s": best_time(theirs_batch_hard, repeats)[0],
    }


def main():
    rows = []
    print(
        f"face-like batches: N / {PER_CLASS} classes x {PER_CLASS} embeddings, D = {DIM}, "
        f"unit length, float32, margin {MARGIN}, 1 thread; best of runs\n"
    )
    print(
        f"{'N':>5} {'classes':>7} {'valid triplets':>14} {'mine ours':>10} {'mine pml':>10} "
        f"{'ratio':>7} {'same':>5} {'BH ours':>9} {'BH pml':>9} {'ratio':>7} {'same':>5}"
    )
    with one_thread():
        for n in SIZES:
            emb, labels = face_like_batch(n, per_class=PER_CLASS, dim=DIM)
            row = {"n": n, "classes": int(labels.unique().numel())}
            row |= agreement(emb, labels, MARGIN)
            assert row["identical"], f"N = {n}: the mined triplets differ from pml's"
            assert row["batch_hard_close"], f"N = {n}: the batch-hard losses differ"
            row |= time_once(emb, labels, repeats=5 if n <= 256 else 3)
            row["mine_ratio"] = row["mine_ours_s"] / row["mine_theirs_s"]
            row["batch_hard_ratio"] = row["batch_hard_ours_s"] / row["batch_hard_theirs_s"]
            valid = row["counts"]["all"] + row["counts"]["easy"]
            rows.append(row)
            print(
                f"{n:>5} {row['classes']:>7} {valid:>14,} {row['mine_ours_s'] * 1e3:>8.1f}ms "
                f"{row['mine_theirs_s'] * 1e3:>8.1f}ms {row['mine_ratio']:>7.3f} {'yes':>5} "
                f"{row['batch_hard_ours_s'] * 1e3:>7.2f}ms "
                f"{row['batch_hard_theirs_s'] * 1e3:>7.2f}ms "
                f"{row['batch_hard_ratio']:>7.3f} {'yes':>5}"
            )
    ratio = statistics.median(r["mine_ratio"] for r in rows)
    ratio_bh = statistics.median(r["batch_hard_ratio"] for r in rows)
    print(f"\nmedian ratio ours / pml, mining (4 kinds): {ratio:.3f} (goal <= 0.1)")
    print(f"median ratio ours / pml, batch-hard loss forward + backward: {ratio_bh:.3f}")
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
    write_result("triplet_mining", result)


if __name__ == "__main__":
    main()
