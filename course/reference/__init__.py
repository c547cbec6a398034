"""Answer key: one module per topic. Instructors only; the student bundle leaves it out."""
