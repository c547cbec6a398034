"""Mistaken answers that the demo's ``partly_wrong`` student submits, per assignment.

``PARTLY_WRONG[assignment_id][notebook_id][grade_id]`` is the code that student
wrote in that solution cell; cells not named get the correct solution.
"""

from autograder.sample_answers import mulaw

PARTLY_WRONG = {
    "01_mulaw": {"mulaw": mulaw.PARTLY_WRONG},
}
