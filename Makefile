# The two commands of the README quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,sensitivity,dask,calibrate]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/parksim run scenarios/demo_park.yaml

test: $(STAMP)
	$(BIN)/ruff check sim parksim tests benchmarks run_sim.py
	$(BIN)/ruff format --check sim parksim tests benchmarks run_sim.py
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest

# Mutation testing of four modules (docs/development.md): not part of `make test`.
MUTATION_JOBS ?= 2
mutation: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATION_JOBS)
	$(BIN)/mutmut results --all true > mutants/results.txt
	$(BIN)/python tests/mutation/check.py mutants/results.txt

clean:
	rm -rf $(VENV) results/*/ results/*.partial mutants
