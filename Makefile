# The course's commands. Each target creates .venv and installs everything it
# needs on first use, so a fresh clone needs nothing installed by hand.
#   make demo   release, grade the sample submissions, print their scores
#   make test   lint, format check and the whole test suite
#   make lab    JupyterLab with nbgrader's extensions, set up for this course

VENV := .venv
PYTHON := $(VENV)/bin/python
# The torch pin is written once, as the first requirement (the CPU build on
# this disk); it is installed alone first so that nothing pulls a CUDA build.
TORCH := $(shell grep -m1 '^torch==' requirements.txt)
# nbgrader runs alembic from PATH when it creates a gradebook.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: demo test lab release bundle clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet $(TORCH)
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(VENV)/.installed
	$(PYTHON) -m autograder demo

test: $(VENV)/.installed
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m pytest -n 2 --dist loadfile

lab: $(VENV)/.installed
	cd autograder && $(abspath $(VENV))/bin/jupyter lab --notebook-dir=..

release: $(VENV)/.installed
	$(PYTHON) -m autograder release

bundle: $(VENV)/.installed
	rm -rf build/student-kit
	$(PYTHON) -m autograder bundle build/student-kit

clean:
	rm -rf build .pytest_cache .ruff_cache
