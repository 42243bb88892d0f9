# Two commands on a fresh machine with Python 3.11+, git and make:
#   make demo   - create .venv, install bolt-exec, run the paper-broker demo
#   make test   - create .venv, install bolt-exec with the dev extras, run the whole suite
# Optional: make test-compiled - the same suite on the mypyc-compiled build (.venv-compiled)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=
COMPILED_VENV ?= .venv-compiled
CBIN   := $(COMPILED_VENV)/bin

.PHONY: demo test test-compiled compiled lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed

# The compiled build (setup.py): mypy compiles the hot path against the installed
# dependencies, so they go in first; then bolt-exec itself, built without isolation.
$(CBIN)/python:
	$(PYTHON) -m venv $(COMPILED_VENV)
	$(CBIN)/python -m pip install -q --upgrade pip

$(COMPILED_VENV)/.installed: pyproject.toml setup.py $(shell find src -name '*.py') | $(CBIN)/python
	$(CBIN)/python -m pip install -q ".[dev]" "setuptools>=77" wheel
	BOLT_EXEC_MYPYC=1 $(CBIN)/python -m pip install -q --no-build-isolation --no-deps --force-reinstall .
	touch $@

compiled: $(COMPILED_VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/bolt-exec demo

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# BOLT_EXEC_TEST_COMPILED=1: the suite refuses to run unless it imports the compiled package.
test-compiled: $(COMPILED_VENV)/.installed
	BOLT_EXEC_TEST_COMPILED=1 $(CBIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src
	$(BIN)/mypy

bench: $(VENV)/.installed-dev
	for b in benchmarks/w*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(COMPILED_VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
