"""The instructor's report of a grading run: score histograms and pass rates.

Written to ``OUT/report/``: ``<assignment>_scores.png`` (how the class
scored), ``pass_rates.csv`` and ``report.md`` (which exercise the class found
hard: the share of students with full marks on each test, hardest first).
"""

import csv
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

PASS_RATES_HEADER = ["assignment_id", "grade_id", "max_score", "mean_score", "pass_rate", "n"]


def pass_rates(result):
    """``[(assignment_id, grade_id, max_score, mean_score, pass_rate, n)]``, hardest first."""
    cells = defaultdict(list)
    for row in result.scores:
        cells[(row.assignment_id, row.grade_id, row.max_score)].append(row.score)
    rows = []
    for (assignment_id, grade_id, max_score), scores in cells.items():
        passed = sum(score >= max_score for score in scores)
        mean = sum(scores) / len(scores)
        rows.append((assignment_id, grade_id, max_score, mean, passed / len(scores), len(scores)))
    return sorted(rows, key=lambda r: (r[0], r[4], r[1]))


def write_report(result):
    """Write the histograms, ``pass_rates.csv`` and ``report.md``; return the folder."""
    folder = result.out / "report"
    folder.mkdir(parents=True, exist_ok=True)
    by_assignment = defaultdict(list)
    maximum = {}
    for (_, assignment_id), (score, max_score) in sorted(result.totals().items()):
        by_assignment[assignment_id].append(score)
        maximum[assignment_id] = max_score
    for assignment_id, scores in by_assignment.items():
        figure, axes = plt.subplots(figsize=(6, 3.5))
        top = maximum[assignment_id]
        bins = [b - 0.5 for b in range(int(top) + 2)]
        axes.hist(scores, bins=bins, color="C0", edgecolor="white")
        mean = sum(scores) / len(scores)
        axes.set(
            xlabel=f"score (out of {top:g})",
            ylabel="students",
            title=f"{assignment_id}: {len(scores)} submissions, mean {mean:.1f}",
        )
        figure.tight_layout()
        figure.savefig(folder / f"{assignment_id}_scores.png", dpi=100)
        plt.close(figure)
    rates = pass_rates(result)
    with open(folder / "pass_rates.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PASS_RATES_HEADER)
        for assignment_id, grade_id, max_score, mean, rate, n in rates:
            writer.writerow(
                [assignment_id, grade_id, f"{max_score:g}", f"{mean:.3f}", f"{rate:.3f}", n]
            )
    lines = ["# Grading report", "", result.summary(), ""]
    for assignment_id in by_assignment:
        lines += [
            f"## {assignment_id}",
            "",
            f"![scores]({assignment_id}_scores.png)",
            "",
            "| test | points | mean | full marks |",
            "| --- | --- | --- | --- |",
        ]
        for a, grade_id, max_score, mean, rate, _ in rates:
            if a == assignment_id:
                lines.append(f"| {grade_id} | {max_score:g} | {mean:.2f} | {rate:.0%} |")
        lines.append("")
    flagged = result.flagged()
    if flagged:
        lines += ["## Flagged for review", ""]
        for outcome in flagged:
            for flag in outcome.flags:
                lines.append(
                    f"- {outcome.student_id}/{outcome.assignment_id}/{outcome.notebook_id}: "
                    f"{flag.cell}: {flag.reason}"
                )
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
