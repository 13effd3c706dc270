# `make test` and `make demo` work on a fresh machine: they create .venv and install what they need
# from PyPI (no root, no system packages).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The hot modules compiled in place by mypyc (setup.py, consumer/speedups.py); rebuilt when any
# source of the package changes: compiled code depends on the types of what it imports.
COMPILED := $(VENV)/.compiled
SOURCES  := $(shell find consumer -name '*.py') setup.py

.PHONY: test demo lint typecheck bench chart clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# Plain Python here; $(COMPILED) below compiles the hot modules in place, once.
	AKENEO_CONSUMER_COMPILE=0 $(BIN)/pip install --quiet -e '.[test,demo]'
	touch $(STAMP)

$(COMPILED): $(STAMP) $(SOURCES)
	PYTHONWARNINGS=ignore $(BIN)/python setup.py -q build_ext --inplace --force
	touch $(COMPILED)

test: $(COMPILED)
	$(BIN)/ruff check consumer tests benchmarks scripts setup.py
	$(BIN)/mypy
	$(BIN)/pytest -q
	# The same codec and mapping tests on the plain Python modules (no C compiler at install).
	AKENEO_CONSUMER_PLAIN=1 $(BIN)/pytest -q tests/codec tests/mapping

demo: $(COMPILED)
	$(BIN)/akeneo-consumer demo

lint: $(STAMP)
	$(BIN)/ruff check consumer tests benchmarks scripts setup.py

typecheck: $(STAMP)
	$(BIN)/mypy

# Render the chart with its defaults plus the values in CHART_VALUES (default: a placeholder PIM),
# through Helm's own engine (the helm-python-sdk wheel).
CHART_VALUES ?= tests/chart/example-values.yaml
chart: $(STAMP)
	$(BIN)/python tests/chart/helm_template.py -f $(CHART_VALUES) helm

bench: $(COMPILED)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info consumer/*.so consumer/*/*.so .pytest_cache .mypy_cache .ruff_cache
