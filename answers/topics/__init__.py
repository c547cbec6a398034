"""One answer collection per topic, ``<notebook name>.py`` (see ``answers``)."""
