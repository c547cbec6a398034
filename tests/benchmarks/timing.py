"""The timer the benchmarks share: the best of several runs."""

import time


def best_time(function, repeats):
    """Run ``function()`` ``repeats`` times; return (fastest seconds, last result).

    The fastest run is the one least disturbed by other work on the machine.
    """
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result
