"""Where the benchmarks leave their figures: ``build/bench/<name>.json``."""

import json

from autograder.paths import BUILD, REPO

#: The benchmarks' folder; bench_outfit also caches its greedy targets there.
BENCH = BUILD / "bench"


def write_result(name, result):
    """Write ``result`` as ``build/bench/<name>.json``, say where, and return the path."""
    out = BENCH / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(REPO)}")
    return out
