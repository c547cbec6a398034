"""The pipeline's log: its own progress on stderr, nbgrader's chatter only when asked.

Nothing is configured on import; the command line (and anything else that
drives the pipeline) calls :func:`configure_logging` once.
"""

import logging
import sys
import warnings

#: The pipeline's logger; ``grade`` adds a file handler for ``OUT/grading.log``.
log = logging.getLogger("autograder")


def configure_logging(verbose=False):
    """Show the pipeline's own progress; nbgrader's chatter only when ``verbose``."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(logging.INFO)
    logging.basicConfig(format="%(name)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.DEBUG if verbose else logging.ERROR)
    if not verbose:
        # The gradebook's SQLAlchemy session warns about its own autoflush.
        warnings.filterwarnings("ignore", message=".*not in session.*")
