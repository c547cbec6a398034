# The course's commands. Each target creates .venv and installs everything it
# needs on first use, so a fresh clone needs nothing installed by hand.
#   make demo       release, grade the sample submissions, print their scores
#   make test       lint, format check and the whole test suite (about half an hour)
#   make test-fast  lint and the quick tests (no notebook runs, no grading): minutes
#   make lab        JupyterLab with nbgrader's extensions and RISE, set up for this course
#   make slides     every solution notebook as an executed reveal.js deck in build/slides/
#
# TORCH_INDEX: where the pinned torch comes from. By default PyTorch's CPU-only
# wheel index, where it is reachable (PyPI's Linux wheel of the same version is
# the CUDA build, gigabytes larger); where it is not, pip takes torch from the
# default index (README, "Install"). `make TORCH_INDEX=` skips it.

VENV := .venv
PYTHON := $(VENV)/bin/python
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# The torch pin is written once, as the first requirement; it is installed alone
# first so that nothing else pulls another build.
TORCH := $(shell grep -m1 '^torch==' requirements.txt)
SLIDES_VENDOR := build/slides/vendor
# nbgrader runs alembic from PATH when it creates a gradebook.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: demo test test-fast lint lab slides release bundle clean

$(VENV)/.installed: requirements.txt requirements-instructor.txt requirements-dev.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	@index=""; \
	if [ -n "$(TORCH_INDEX)" ] && $(PYTHON) -c "import sys, urllib.request; \
	    urllib.request.urlopen(sys.argv[1], timeout=10)" "$(TORCH_INDEX)/torch/" 2>/dev/null; then \
	  index="--extra-index-url $(TORCH_INDEX)"; \
	elif [ -n "$(TORCH_INDEX)" ]; then \
	  echo "note: $(TORCH_INDEX) is not reachable: $(TORCH) comes from the default index"; \
	fi; \
	echo "$(PYTHON) -m pip install --quiet $$index $(TORCH)"; \
	$(PYTHON) -m pip install --quiet $$index $(TORCH)
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(VENV)/.installed
	$(PYTHON) -m answers.demo

lint: $(VENV)/.installed
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

test: lint $(SLIDES_VENDOR)/.installed
	$(PYTHON) -m pytest -n 2 --dist loadfile

test-fast: lint
	$(PYTHON) -m pytest -n 2 --dist loadfile -m "not slow"

lab: $(VENV)/.installed
	cd autograder && $(abspath $(VENV))/bin/jupyter lab --notebook-dir=..

# reveal.js, RequireJS, jQuery and MathJax for the decks, from the npm registry,
# so that the slides work without a network.
$(SLIDES_VENDOR)/.installed:
	mkdir -p build/npm $(SLIDES_VENDOR)
	npm install --silent --no-audit --no-fund --prefix build/npm \
		reveal.js@4.6.0 requirejs@2.3.8 mathjax@2.7.9 jquery@3.7.1
	rm -rf $(SLIDES_VENDOR)/reveal.js $(SLIDES_VENDOR)/mathjax
	cp -r build/npm/node_modules/reveal.js $(SLIDES_VENDOR)/reveal.js
	cp -r build/npm/node_modules/mathjax $(SLIDES_VENDOR)/mathjax
	cp build/npm/node_modules/requirejs/require.js $(SLIDES_VENDOR)/require.js
	cp build/npm/node_modules/jquery/dist/jquery.min.js $(SLIDES_VENDOR)/jquery.min.js
	touch $@

slides: $(VENV)/.installed $(SLIDES_VENDOR)/.installed
	$(PYTHON) -m autograder slides

release: $(VENV)/.installed
	$(PYTHON) -m autograder release

bundle: $(VENV)/.installed
	rm -rf build/student-kit
	$(PYTHON) -m autograder bundle build/student-kit
	$(PYTHON) -m answers.helper_leaks build/student-kit

clean:
	rm -rf build .pytest_cache .ruff_cache
