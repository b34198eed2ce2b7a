# Two commands for a fresh machine: `make demo` and `make test`.
# Both create .venv and install the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test`: 0 runs every test in one process (the default: on two cores
# already busy, two workers measured no faster and cost more CPU); "auto" is one per core, worth it
# on an idle or many-core machine. Tests marked `solo` (a wall-clock budget) never share the CPUs.
TEST_WORKERS ?= 0

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Until the live timing app lands: a simulated decoder (12 cars, line faults on, 20x real time)
# read through the real driver, journaled into out/demo.db and timed live; each standings
# change is printed as it happens, then the session's results.
demo: $(STAMP)
	mkdir -p out && rm -f out/demo.db out/demo.db-wal out/demo.db-shm
	$(BIN)/laptiming record "sim://?cars=12&seed=7&speed=20&minutes=6&faults=1" \
	    --db out/demo.db --session "Demo practice" --enter-unknown

# worksteal: an idle worker takes queued tests from a busy one, so a few slow tests do not
# leave one core idle at the end.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
