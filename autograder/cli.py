"""Command line of the grading pipeline: ``python -m autograder <command>``."""

import argparse
import sys

from autograder.log import configure_logging
from autograder.paths import assignment_ids
from autograder.settings import Limits


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Release, grade and bundle the course's assignments (through nbgrader).",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show nbgrader's own log (grade: every worker's log kept in OUT/logs/)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="generate notebooks/ from solutions/")
    release.add_argument("assignments", nargs="*", help="assignment ids (default: all)")

    grade = commands.add_parser("grade", help="autograde a folder of submissions")
    grade.add_argument(
        "submissions",
        help="folder of <student_id>/<assignment_id>/<nb>.ipynb, a zip of one, or an LMS "
        "download (Blackboard, Canvas, Moodle; zip or folder, with --assignment)",
    )
    grade.add_argument("--out", required=True, help="folder for grades, scores and feedback")
    grade.add_argument("--assignment", help="grade only this assignment id")
    grade.add_argument(
        "--workers", type=int, default=None, help="submissions graded at once (default: cores)"
    )
    grade.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout_s, help="seconds")
    grade.add_argument(
        "--notebook-timeout", type=int, default=Limits.notebook_timeout_s, help="seconds"
    )
    grade.add_argument("--memory-mb", type=int, default=Limits.memory_mb, help="per kernel")
    grade.add_argument(
        "--no-sandbox", action="store_true", help="run student code without bubblewrap"
    )
    grade.add_argument("--db-url", help="class gradebook (default: sqlite in OUT)")
    grade.add_argument(
        "--scheduler",
        help="grade on a Dask cluster: the scheduler's address (tcp://host:8786), "
        "or local:N for N worker processes here",
    )
    grade.add_argument(
        "--show-hidden-tests",
        action="store_true",
        help="feedback pages show the hidden tests' code too (default: only their messages)",
    )

    slides = commands.add_parser("slides", help="executed reveal.js decks in build/slides/")
    slides.add_argument("assignments", nargs="*", help="assignment ids (default: all)")

    bundle = commands.add_parser("bundle", help="write the student kit (no answer key)")
    bundle.add_argument("out", help="a new folder")
    return parser


def _known_assignments(ids):
    """Raise ValueError unless every id in ``ids`` is an assignment of the course."""
    unknown = set(ids) - set(assignment_ids())
    if unknown:
        raise ValueError(f"unknown assignments {sorted(unknown)}; known: {assignment_ids()}")


def main(argv=None):
    args = _parser().parse_args(argv)
    configure_logging(verbose=args.verbose)
    try:
        if args.command == "release":
            from autograder.release import release

            _known_assignments(args.assignments)
            for folder in release(args.assignments or None):
                print(f"released {folder}")
        elif args.command == "grade":
            from autograder.grade import grade

            if args.workers is not None and args.workers < 1:
                raise ValueError(f"--workers must be at least 1, got {args.workers}")
            limits = Limits(
                cell_timeout_s=args.cell_timeout,
                notebook_timeout_s=args.notebook_timeout,
                memory_mb=args.memory_mb,
            )
            result = grade(
                args.submissions,
                args.out,
                args.assignment,
                workers=args.workers,
                limits=limits,
                sandbox=False if args.no_sandbox else None,
                db_url=args.db_url,
                show_hidden_tests=args.show_hidden_tests,
                scheduler=args.scheduler,
                verbose=args.verbose,
            )
            print(result.summary())
            print(f"grades: {result.out / 'grades.csv'}; report: {result.out / 'report'}")
        elif args.command == "slides":
            from autograder.slides import build_slides

            _known_assignments(args.assignments)
            for path in build_slides(args.assignments or None):
                print(f"wrote {path}")
        elif args.command == "bundle":
            from autograder.bundle import bundle

            print(f"student kit written to {bundle(args.out)}")
            print(f"check its helpers too: python -m answers.helper_leaks {args.out}")
    except (ValueError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: run the same command again to grade the rest", file=sys.stderr)
        return 130
    except RuntimeError as error:  # a lost scheduler, a worker with another release
        print(f"error: {error}", file=sys.stderr)
        return 3
    return 0
