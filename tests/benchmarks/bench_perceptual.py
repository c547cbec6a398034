"""04_perceptual's recipe: the quality figures and the time per image of both approaches.

    .venv/bin/python -m tests.benchmarks.bench_perceptual

Runs the notebook's pipeline once (``tests.reference.test_perceptual.run_recipe``:
the answer key's losses, ``RandomVGG(seed=0)``, ``course.perceptual.RECIPE``,
the shipped fast style network ``course/fast_style.pt``) and prints, with the
goals of the quality tests:

* style transfer of the temple: its style loss over the photograph's,
  measured with the extractor of the optimisation and with the judges
  ``RandomVGG(seed=1)`` and ``RandomVGG(seed=2)`` (goal <= 0.10 with each),
  and its content loss over a 50/50 blend's (goal < 1);
* fast style transfer on the flower, which the network never saw: its style
  loss over the optimisation's under each judge (goal <= 1.5; under the
  training extractor for information), its content loss over a blend's
  (goal < 1), and the speed-up of one forward pass over optimising the image
  (goal >= 100);
* the wall and CPU seconds of each stage.

Writes build/bench/perceptual.json.
"""

import torch

from course.perceptual import RECIPE, RandomVGG
from course.reference.perceptual import content_loss
from scripts.build_fast_style import content_over_blend
from tests.benchmarks.results import write_result
from tests.reference.test_perceptual import run_recipe, style_ratio

#: The extractors that measure: the one both methods used, and the two held-out judges.
MEASURED_WITH = {"training_extractor": 0, "judge_1": 1, "judge_2": 2}


def measure():
    """The figures of the benchmark as a dict."""
    run = run_recipe()
    extractor, temple, flower, style = run["extractor"], run["temple"], run["flower"], run["style"]
    layer = RECIPE["content_layers"][0]
    with torch.no_grad():
        f_temple = extractor(temple)
        ours = content_loss(extractor(run["result"])[layer], f_temple[layer])
        blend = content_loss(extractor(0.5 * temple + 0.5 * style)[layer], f_temple[layer])
    transfer, fast = {}, {}
    for name, seed in MEASURED_WITH.items():
        judge = extractor if seed == 0 else RandomVGG(seed=seed)
        transfer[name] = style_ratio(judge, run["result"], temple, style)
        fast[name] = {
            "style_over_optimisation": style_ratio(judge, run["fast"], run["optimised"], style),
            "content_over_blend": content_over_blend(judge, run["fast"], flower, style),
        }
    return {
        "transfer_style_ratio": transfer,
        "transfer_content_over_blend": (ours / blend).item(),
        "fast_network": fast,
        "optimise_seconds": run["optimise_seconds"],
        "forward_seconds": run["forward_seconds"],
        "speedup": run["optimise_seconds"] / run["forward_seconds"],
        "stages": {name: {"wall_s": w, "cpu_s": c} for name, (w, c) in run["seconds"].items()},
    }


def main():
    result = measure()
    print("style transfer of the temple: style / photograph's (goal <= 0.10 with each)")
    for name, value in result["transfer_style_ratio"].items():
        print(f"  {name:<20} {value:.3f}")
    print(f"  content / the blend's (goal < 1): {result['transfer_content_over_blend']:.3f}")
    print("the shipped network on the unseen flower (goals with the judges: <= 1.5, < 1)")
    print(f"  {'measured with':<20} {'style / optimisation':>21} {'content / blend':>16}")
    for name, figures in result["fast_network"].items():
        style_figure, content_figure = figures.values()
        print(f"  {name:<20} {style_figure:>21.3f} {content_figure:>16.3f}")
    print(
        f"seconds per image: optimisation {result['optimise_seconds']:.2f}, one forward pass "
        f"{result['forward_seconds'] * 1000:.1f} ms, speed-up {result['speedup']:.0f}x "
        "(goal >= 100)"
    )
    print(f"{'stage':<20} {'wall s':>8} {'cpu s':>8}")
    for name, stage in result["stages"].items():
        print(f"{name:<20} {stage['wall_s']:>8.1f} {stage['cpu_s']:>8.1f}")
    write_result("perceptual", result)


if __name__ == "__main__":
    main()
