"""User-user Pearson similarity of the bundled ratings: the answer key against scikit-surprise.

    .venv/bin/python tests/benchmarks/bench_pearson.py

Both compute the whole (943, 943) matrix of ``synthetic_movielens()`` in the
same run: ours from the dense nan-matrix
(``course.reference.collaborative.pearson_user_similarity``: masked matrix
products, dense for popular items and sparse for the long tail, in float32
where that is exact), surprise's Cython ``similarities.pearson`` from its
Trainset's item -> ratings lists. Each runs ten times, the two interleaved,
and each side's best time counts: ours is a short run on two threads, which
other load on a shared machine slows more often than surprise's long
single-threaded loop. Building surprise's Trainset is timed separately and
not included. Prints a table and writes build/bench/pearson.json with
``ours_s``, ``surprise_s``, ``ratio`` (ours / surprise; goal 0.15 or less) and
``max_abs_diff`` (off the diagonal, where the two conventions agree; goal 1e-6
or less).
"""

import json
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from course.collaborative.ratings import synthetic_movielens  # noqa: E402
from course.reference.collaborative import pearson_user_similarity  # noqa: E402
from tests.benchmarks.timing import best_time  # noqa: E402


def compare_with_surprise(n_users=943, n_items=1682, n_ratings=100_000, seed=0, repeats=10):
    """Time both on one synthetic set; returns the figures of the benchmark as a dict."""
    from surprise import Dataset, Reader
    from surprise.similarities import pearson

    R = synthetic_movielens(n_users, n_items, n_ratings, seed=seed).ratings
    users, items = torch.nonzero(~torch.isnan(R), as_tuple=True)
    stars = R[users, items].tolist()
    raw = [
        (str(u), str(i), r, None)
        for u, i, r in zip(users.tolist(), items.tolist(), stars, strict=True)
    ]
    start = time.perf_counter()
    trainset = Dataset(Reader(rating_scale=(1, 5))).construct_trainset(raw)
    trainset_s = time.perf_counter() - start

    ours_s = surprise_s = float("inf")
    for _ in range(repeats):  # interleaved, so that both see the same machine load
        seconds, W = best_time(lambda: pearson_user_similarity(R), 1)
        ours_s = min(ours_s, seconds)
        seconds, S = best_time(lambda: pearson(trainset.n_users, trainset.ir, 1), 1)
        surprise_s = min(surprise_s, seconds)

    # surprise's inner ids follow the order in which users first appear: map them to rows.
    rows = torch.tensor([int(trainset.to_raw_uid(k)) for k in range(trainset.n_users)])
    theirs = torch.zeros(n_users, n_users, dtype=torch.float64)
    theirs[rows[:, None], rows[None, :]] = torch.as_tensor(S)
    off_diagonal = ~torch.eye(n_users, dtype=torch.bool)
    diff = (W.double() - theirs)[off_diagonal].abs().max().item()
    return {
        "shape": [n_users, n_items],
        "n_ratings": int((~torch.isnan(R)).sum()),
        "ours_s": ours_s,
        "surprise_s": surprise_s,
        "ratio": ours_s / surprise_s,
        "max_abs_diff": diff,
        "surprise_trainset_s": trainset_s,
        "torch_threads": torch.get_num_threads(),
        "repeats": repeats,
    }


def main():
    result = compare_with_surprise()
    print(
        f"user-user Pearson, {result['shape'][0]} users x {result['shape'][1]} items, "
        f"{result['n_ratings']} ratings (best of {result['repeats']})"
    )
    print(f"{'':<34}{'seconds':>10}")
    print(f"{'ours (masked products)':<34}{result['ours_s']:>10.3f}")
    print(f"{'surprise similarities.pearson':<34}{result['surprise_s']:>10.3f}")
    print(f"{'  (building its Trainset, apart)':<34}{result['surprise_trainset_s']:>10.3f}")
    print(
        f"ratio ours / surprise = {result['ratio']:.3f} (goal <= 0.15); "
        f"max |difference| = {result['max_abs_diff']:.2e} (goal <= 1e-6)"
    )
    out = REPO / "build" / "bench" / "pearson.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
