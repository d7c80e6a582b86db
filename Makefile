# convlab: `make lab` to learn, `make test` to prove it all works, `make site` for the website.
# Each creates .venv with the pinned environment on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root unless asked explicitly.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help venv lab grade demo lint test notebooks exercises figures site bench clean

help:
	@echo "make lab    open the course in JupyterLab (creates .venv on first use); in its Terminal,"
	@echo "            python is the course's Python"
	@echo "make grade  grade your exercise notebooks as the grader does (GRADE_ARGS=exercises/01_loops.ipynb:"
	@echo "            one of them)"
	@echo "make demo   watch a window slide over a small array, in the terminal"
	@echo "make test   run every test: unit, property, doctests, notebooks (after make lint)"
	@echo "make lint   check the code with ruff (pinned in the test extra; rules in pyproject.toml)"
	@echo "make notebooks  re-run every lesson and store its outputs reproducibly"
	@echo "make exercises  re-run the solutions, then regenerate exercises/ from solutions/"
	@echo "make figures  redraw docs/sliding_window.gif, the README's animation"
	@echo "make site  build the course website into build/site/html (runs every lesson, ~1 minute)"
	@echo "make bench  time every conv2d method against SciPy, PyTorch and the GEMM limit,"
	@echo "            conv2d's per-call overhead against a bare tensordot, and conv2d against"
	@echo "            its bare matrix product and PyTorch on one thread and all"
	@echo "            (a few minutes; BENCH_ARGS=--quick for under three)"
	@echo "make clean  remove .venv and caches"

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "convlab needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,site,grade]"
	touch $@

# JupyterLab on the course:
# - root_dir is the repository, so exercises/ and solutions/ show in the file browser too;
# - its address opens lesson 00, also the address it prints (with --no-browser, say);
# - its Terminal runs the course's Python: bash with the course's environment activated
#   (.venv/bin/activate, read instead of ~/.bashrc, which may put another Python first: pyenv,
#   conda), its prompt starting with (.venv); .venv/bin also comes first on the server's PATH;
# - the file browser hides what pip and Python leave in the repository (convlab.egg-info, caches).
# LAB_ARGS passes extra options, e.g. make lab LAB_ARGS="--no-browser --port 8890"
HIDDEN := __pycache__ *.pyc *.pyo .DS_Store *~ *.egg-info
LAB_OPTIONS := --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
	--ServerApp.terminado_settings="shell_command=bash --rcfile $(abspath $(BIN))/activate -i" \
	$(foreach glob,$(HIDDEN),--ContentsManager.hide_globs='$(glob)')
lab: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" VIRTUAL_ENV="$(abspath $(VENV))" \
	    $(BIN)/jupyter lab $(ROOT_FLAG) $(LAB_OPTIONS) $(LAB_ARGS)

# Grade exercise notebooks with the course's Python, as the grader would:
# make grade (every notebook in exercises/), make grade GRADE_ARGS=exercises/01_loops.ipynb
GRADE_ARGS ?= exercises
grade: $(STAMP)
	$(BIN)/python -m convlab grade $(GRADE_ARGS)

# A window sliding over a small array, drawn in the terminal; DEMO_ARGS="--stride 2", say.
demo: $(STAMP)
	$(BIN)/python -m convlab demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Two workers, each taking whole test files: each browser test file shares one JupyterLab, and
# the tests that read the graded class sit together. Files go out in the order tests/conftest.py
# gives them, the longest first (not xdist's order, which puts the files with most tests first).
# TEST_ARGS passes more options, e.g. make test TEST_ARGS="-k grader".
# The tests start hundreds of Python processes (sandboxes, kernels, the Binder environment's):
# Python writes its bytecode caches (__pycache__, git-ignored) even where PYTHONDONTWRITEBYTECODE
# is set, so that each of them does not compile the same modules again.
test: lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder $(TEST_ARGS)

notebooks: $(STAMP)
	$(BIN)/python -m convlab notebooks notebooks/*.ipynb

# solutions/ is the source of the exercises: its outputs are committed (make test compares them),
# and exercises/ is generated from it, never edited by hand.
exercises: $(STAMP)
	$(BIN)/python -m convlab notebooks solutions/*.ipynb
	$(BIN)/python -m convlab exercises

figures: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m convlab.viz.readme docs/sliding_window.gif

# The course website: Sphinx with MyST-NB, configured in docs/ (see CONTRIBUTING.md).
# Every lesson runs again (a fresh html/ and -E: nothing reused from an earlier build);
# any warning, such as a broken link, fails the build. tests/test_site.py checks the result.
SITE_DIR := build/site
site: $(STAMP)
	rm -rf $(SITE_DIR)/html
	$(BIN)/python -m sphinx -b html -c docs -d $(SITE_DIR)/doctrees -E -W --keep-going . $(SITE_DIR)/html
	@echo "the website is in $(SITE_DIR)/html: open $(SITE_DIR)/html/index.html"

# Not part of `make test`: timings need a quiet machine; results go to benchmarks/results/.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--quick --cases 'cnn layer'"
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/limit.py $(filter --quick,$(BENCH_ARGS))

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
	find . -name __pycache__ -prune -exec rm -rf {} +
