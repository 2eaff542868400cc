# gigaplan: two commands on a fresh machine with Python >= 3.11 and make.
#   make run   create .venv, install gigaplan, run the default scenario into ./gigaplan-out/
#              with SAMPLES Monte Carlo samples and Sobol' indices of N = SENSITIVITY
#              (make run SAMPLES=0 for the central run only)
#   make test  create .venv with the dev extras and run the whole test suite
#   make bench / make screenshot  benchmarks (bench/README.md) / the README picture of the report
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= gigaplan-out
SCENARIO ?= fluidstack-2026
SAMPLES ?= 2000
SENSITIVITY ?= 32
SEED ?= 0

.PHONY: run test bench screenshot venv dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files so an unchanged pyproject.toml does not reinstall on every call.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
dev: $(VENV)/.installed-dev

RANGES := $(if $(filter 0,$(SAMPLES)),--no-samples,--samples $(SAMPLES) --sensitivity $(SENSITIVITY) --seed $(SEED))

run: $(VENV)/.installed
	$(BIN)/gigaplan run $(SCENARIO) -o $(OUT) $(RANGES)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

# The README's picture of the report's summary section, from the default scenario's report
# (needs Debian's chromium, as the browser test does).
screenshot: $(VENV)/.installed-dev
	$(BIN)/gigaplan run $(SCENARIO) -o $(OUT) $(RANGES) > /dev/null
	$(BIN)/python tools/screenshot.py $(OUT)/report.html docs/report-summary.png

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis test-artifacts
