# `make test` and `make demo` work on a fresh machine: they create .venv and install what they need
# from PyPI (no root, no system packages).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test demo lint typecheck bench chart clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,demo]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check consumer tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/pytest -q

demo: $(STAMP)
	$(BIN)/akeneo-consumer demo

lint: $(STAMP)
	$(BIN)/ruff check consumer tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# Render the chart with its defaults plus the values in CHART_VALUES (default: a placeholder PIM),
# through Helm's own engine (the helm-python-sdk wheel).
CHART_VALUES ?= tests/chart/example-values.yaml
chart: $(STAMP)
	$(BIN)/python tests/chart/helm_template.py -f $(CHART_VALUES) helm

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
