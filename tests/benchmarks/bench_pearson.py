"""User-user Pearson similarity of the bundled ratings: the answer key against scikit-surprise.

    .venv/bin/python -m tests.benchmarks.bench_pearson

All compute the whole (943, 943) matrix of ``synthetic_movielens()`` in the
same run:

* ``course.reference.collaborative_fast.pearson_user_similarity_fast``, the answer
  key's fast version (not an exercise): dense products for popular items,
  sparse ones for the long tail, exact float32 for star ratings;
* ``pearson_user_similarity``, the exercise's plain version (four dense
  float64 products), for comparison;
* scikit-surprise's Cython ``similarities.pearson``, from its Trainset's
  item -> ratings lists (``tests.reference.surprise_oracle``).

Each runs ten times, the three interleaved, and each one's best time counts
(the run least disturbed by other work on the machine). All three run on one
thread: surprise's loop is single-threaded, and PyTorch's two threads on a
busy two-core machine wait for each other (up to four times slower). Building
surprise's Trainset is timed separately and not included. Prints a table
and writes build/bench/pearson.json with ``fast_s``, ``plain_s``,
``surprise_s``, ``ratio`` (fast / surprise; goal 0.15 or less),
``plain_ratio`` (plain / surprise, no goal) and ``max_abs_diff`` (the
largest difference from surprise off the diagonal, where the two
conventions agree, over both of ours; goal 1e-6 or less).
"""

import time

import torch
from surprise.similarities import pearson

from course.collaborative.ratings import synthetic_movielens
from course.notebook import one_thread
from course.reference.collaborative import pearson_user_similarity
from course.reference.collaborative_fast import pearson_user_similarity_fast
from tests.benchmarks.results import write_result
from tests.benchmarks.timing import best_time
from tests.reference.surprise_oracle import surprise_matrix, surprise_trainset


def compare_with_surprise(n_users=943, n_items=1682, n_ratings=100_000, seed=0, repeats=10):
    """Time the three on one synthetic set; returns the figures of the benchmark as a dict."""
    R = synthetic_movielens(n_users, n_items, n_ratings, seed=seed).ratings
    start = time.perf_counter()
    trainset, user_rows, _ = surprise_trainset(R)
    trainset_s = time.perf_counter() - start

    fast_s = plain_s = surprise_s = float("inf")
    with one_thread():
        for _ in range(repeats):  # interleaved, so that all see the same machine load
            seconds, fast = best_time(lambda: pearson_user_similarity_fast(R), 1)
            fast_s = min(fast_s, seconds)
            seconds, plain = best_time(lambda: pearson_user_similarity(R), 1)
            plain_s = min(plain_s, seconds)
            seconds, S = best_time(lambda: pearson(trainset.n_users, trainset.ir, 1), 1)
            surprise_s = min(surprise_s, seconds)

    theirs = surprise_matrix(S, user_rows, n_users)
    off_diagonal = ~torch.eye(n_users, dtype=torch.bool)
    diff = max((W.double() - theirs)[off_diagonal].abs().max().item() for W in (fast, plain))
    return {
        "shape": [n_users, n_items],
        "n_ratings": int((~torch.isnan(R)).sum()),
        "fast_s": fast_s,
        "plain_s": plain_s,
        "surprise_s": surprise_s,
        "ratio": fast_s / surprise_s,
        "plain_ratio": plain_s / surprise_s,
        "fast_equals_plain": torch.equal(fast, plain),
        "max_abs_diff": diff,
        "surprise_trainset_s": trainset_s,
        "torch_threads": 1,
        "repeats": repeats,
    }


def main():
    result = compare_with_surprise()
    print(
        f"user-user Pearson, {result['shape'][0]} users x {result['shape'][1]} items, "
        f"{result['n_ratings']} ratings (best of {result['repeats']})"
    )
    print(f"{'':<42}{'seconds':>10}")
    print(f"{'answer key, fast (not an exercise)':<42}{result['fast_s']:>10.3f}")
    print(f"{'answer key, plain (the exercise)':<42}{result['plain_s']:>10.3f}")
    print(f"{'surprise similarities.pearson':<42}{result['surprise_s']:>10.3f}")
    print(f"{'  (building its Trainset, apart)':<42}{result['surprise_trainset_s']:>10.3f}")
    print(
        f"ratio fast / surprise = {result['ratio']:.3f} (goal <= 0.15); "
        f"plain / surprise = {result['plain_ratio']:.3f}; "
        f"max |difference| = {result['max_abs_diff']:.2e} (goal <= 1e-6); "
        f"fast == plain bit for bit: {result['fast_equals_plain']}"
    )
    write_result("pearson", result)


if __name__ == "__main__":
    main()
