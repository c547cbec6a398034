"""Triplet mining and the batch-hard loss, ours against pytorch-metric-learning (pml).

    .venv/bin/python -m tests.benchmarks.bench_triplet_mining

Batches are face-like, as in the lecture's MegaFace (many people, few photos
each): P = N / 4 classes of K = 4 embeddings each, N = 64, 128, 256, 512, 1024,
D = 64, float32, standard normal embeddings scaled to unit length, margin 0.2.

For each N it first checks (``agreement``, shared with
``tests/reference/test_triplet.py``) that ``mine_triplets`` returns the
triplets of pml's ``TripletMarginMiner`` (which builds a dense N x N x N mask
of all triplets) for the four kinds, and that ``batch_hard_triplet_loss``
agrees with pml's ``BatchHardMiner`` + ``TripletMarginLoss``, both to within
rounding: the two compute their float32 distances differently (ours through
one matrix product, pml through ``torch.cdist``), so a triplet whose
delta = d(a, n) - d(a, p) lies within rounding error of 0 or of the margin may
fall on either side; every other triplet must be the same, and the number of
those boundary triplets is printed. Then it times, as the best of several runs
on one thread (the run least disturbed by other work on the machine):

* mining, the four kinds one after the other, ours against pml's;
* the batch-hard loss, forward and backward, ours against pml's.

It prints a table, the goals and whether they hold (at every N, and for the
median over the sizes): ours at most ``MINING_GOAL`` of pml's time for mining
and at most ``BATCH_HARD_GOAL`` for the batch-hard loss, both measured in the
same run. The load average of the machine is printed before and after (the
machine's other work slows both sides, but not always equally). Writes
build/bench/triplet_mining.json with ``ratio`` (the median mining ratio),
``ratio_batch_hard`` and the rows.
"""

import os
import statistics

from course.notebook import one_thread
from course.reference.triplet import batch_hard_triplet_loss, mine_triplets
from tests.benchmarks.results import write_result
from tests.benchmarks.timing import best_time
from tests.reference.pml_oracle import KINDS, face_like_batch, pml_batch_hard_loss, pml_miner
from tests.reference.test_triplet import agreement

SIZES = (64, 128, 256, 512, 1024)
PER_CLASS = 4
DIM = 64
MARGIN = 0.2
#: Our time over pml's, at most: mining (the four kinds) and the batch-hard loss.
MINING_GOAL = 0.10
BATCH_HARD_GOAL = 0.5


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
        "batch_hard_ours_s": best_time(ours_batch_hard, 5 * repeats)[0],
        "batch_hard_theirs_s": best_time(theirs_batch_hard, 5 * repeats)[0],
    }


def _holds(ratios, goal):
    return "holds" if max(ratios) <= goal else "MISSED"


def main():
    rows = []
    load_before = os.getloadavg()
    print(
        f"face-like batches: N / {PER_CLASS} classes x {PER_CLASS} embeddings, D = {DIM}, "
        f"unit length, float32, margin {MARGIN}, 1 thread; best of runs; load average "
        f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} on {os.cpu_count()} CPUs\n"
    )
    print(
        f"{'N':>5} {'classes':>7} {'valid triplets':>14} {'mine ours':>10} {'mine pml':>10} "
        f"{'ratio':>7} {'same':>5} {'edge':>5} {'BH ours':>9} {'BH pml':>9} {'ratio':>7} "
        f"{'same':>5}"
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
            edge = sum(row["boundary"].values())
            rows.append(row)
            print(
                f"{n:>5} {row['classes']:>7} {valid:>14,} {row['mine_ours_s'] * 1e3:>8.2f}ms "
                f"{row['mine_theirs_s'] * 1e3:>8.1f}ms {row['mine_ratio']:>7.3f} {'yes':>5} "
                f"{edge:>5} {row['batch_hard_ours_s'] * 1e3:>7.2f}ms "
                f"{row['batch_hard_theirs_s'] * 1e3:>7.2f}ms "
                f"{row['batch_hard_ratio']:>7.3f} {'yes':>5}",
                flush=True,
            )
    load_after = os.getloadavg()
    mining = [r["mine_ratio"] for r in rows]
    batch_hard = [r["batch_hard_ratio"] for r in rows]
    ratio, ratio_bh = statistics.median(mining), statistics.median(batch_hard)
    print(
        "\n(same: the triplets are pml's to within rounding; edge: triplets within rounding of "
        "a kind's boundary\nthat fell on the other side)"
    )
    print(
        f"\nmining (4 kinds), ours / pml: median {ratio:.3f}, {min(mining):.3f} to "
        f"{max(mining):.3f}; goal <= {MINING_GOAL} at every N: {_holds(mining, MINING_GOAL)}"
    )
    print(
        f"batch-hard loss, forward + backward, ours / pml: median {ratio_bh:.3f}, "
        f"{min(batch_hard):.3f} to {max(batch_hard):.3f}; goal <= {BATCH_HARD_GOAL} at every "
        f"N: {_holds(batch_hard, BATCH_HARD_GOAL)}"
    )
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    result = {
        "batch": f"N / {PER_CLASS} classes x {PER_CLASS} embeddings, D = {DIM}, unit length",
        "sizes": list(SIZES),
        "margin": MARGIN,
        "threads": 1,
        "load_average": {"before": load_before, "after": load_after},
        "ratio": ratio,
        "ratio_batch_hard": ratio_bh,
        "goal": MINING_GOAL,
        "goal_batch_hard": BATCH_HARD_GOAL,
        "goals_hold": max(mining) <= MINING_GOAL and max(batch_hard) <= BATCH_HARD_GOAL,
        "identical": all(r["identical"] for r in rows),
        "rows": rows,
    }
    write_result("triplet_mining", result)


if __name__ == "__main__":
    main()
