"""04_perceptual's recipe: the quality figures and the time per image of both approaches.

    .venv/bin/python -m tests.benchmarks.bench_perceptual

Runs the notebook's pipeline once (``tests.reference.test_perceptual.run_recipe``:
the answer key's losses, ``RandomVGG(seed=0)``, ``course.perceptual.RECIPE``)
and prints, with the goals of the quality test:

* style transfer of the temple: its style loss over the photograph's,
  measured with the extractor of the optimisation and with
  ``RandomVGG(seed=1)`` (goal <= 0.10 with both), and its content loss over a
  50/50 blend's (goal < 1);
* fast style transfer on the flower, which the network never saw: its style
  loss over the optimisation's (goal <= 2) and the speed-up of one forward
  pass over optimising the image (goal >= 100);
* the wall and CPU seconds of each stage.

Writes build/bench/perceptual.json.
"""

import torch

from course.perceptual import RECIPE, RandomVGG
from course.reference.perceptual import content_loss
from tests.benchmarks.results import write_result
from tests.reference.test_perceptual import run_recipe, style_ratio


def measure():
    """The figures of the benchmark as a dict."""
    run = run_recipe()
    extractor, temple, style = run["extractor"], run["temple"], run["style"]
    layer = RECIPE["content_layers"][0]
    with torch.no_grad():
        f_temple = extractor(temple)
        ours = content_loss(extractor(run["result"])[layer], f_temple[layer])
        blend = content_loss(extractor(0.5 * temple + 0.5 * style)[layer], f_temple[layer])
    fast = style_ratio(extractor, run["fast"], run["flower"], style)
    optimised = style_ratio(extractor, run["optimised"], run["flower"], style)
    return {
        "style_ratio_optimised_extractor": style_ratio(extractor, run["result"], temple, style),
        "style_ratio_held_out_extractor": style_ratio(
            RandomVGG(seed=1), run["result"], temple, style
        ),
        "content_over_blend": (ours / blend).item(),
        "fast_style_ratio": fast,
        "optimisation_style_ratio": optimised,
        "fast_over_optimisation": fast / optimised,
        "optimise_seconds": run["optimise_seconds"],
        "forward_seconds": run["forward_seconds"],
        "speedup": run["optimise_seconds"] / run["forward_seconds"],
        "stages": {name: {"wall_s": w, "cpu_s": c} for name, (w, c) in run["seconds"].items()},
    }


def main():
    result = measure()
    print("style transfer of the temple (goals: <= 0.10, <= 0.10, < 1)")
    print(
        f"  style / photograph's, extractor used   {result['style_ratio_optimised_extractor']:.3f}"
    )
    print(
        f"  style / photograph's, RandomVGG(seed=1) {result['style_ratio_held_out_extractor']:.3f}"
    )
    print(f"  content / the blend's                  {result['content_over_blend']:.3f}")
    print("fast style transfer on the unseen flower (goals: <= 2, >= 100)")
    print(
        f"  style / flower's: network {result['fast_style_ratio']:.3f}, optimisation "
        f"{result['optimisation_style_ratio']:.3f}, ratio {result['fast_over_optimisation']:.2f}"
    )
    print(
        f"  seconds per image: optimisation {result['optimise_seconds']:.2f}, one forward pass "
        f"{result['forward_seconds'] * 1000:.1f} ms, speed-up {result['speedup']:.0f}x"
    )
    print(f"{'stage':<20} {'wall s':>8} {'cpu s':>8}")
    for name, stage in result["stages"].items():
        print(f"{name:<20} {stage['wall_s']:>8.1f} {stage['cpu_s']:>8.1f}")
    write_result("perceptual", result)


if __name__ == "__main__":
    main()
