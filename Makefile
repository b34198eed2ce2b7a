# Two commands for a fresh machine: `make demo` and `make test`.
# Both create .venv and install the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test`: 4 on this 2-core machine, because most slow tests wait on
# subprocesses and paced simulators, not on the CPU (idle, 561 tests: 88 s with 4, 94 s with 3,
# 101 s with 2, 162 s in one process; 656 tests: 154 s with 4; 717 tests: 179 s with 4; 805 tests: 219-239 s with 4; 920 tests: 253-285 s with 4; 1,006 tests: 209-270 s with 4; 1,036-1,039 tests: 229-293 s with 4; 1,080-1,106 tests: 334-443 s with 4, the machine busy; 1,141 tests: 411 s with 4; 1,185 tests: 433 s with 4; 1,219 tests: 390 s with 4; 1,289-1,290 tests: 447-458 s with 4); 0 runs every test in one process. Tests marked `solo` (a
# wall-clock budget, a device path another test could be given) run alone.
TEST_WORKERS ?= 4

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The live timing app on the simulated decoder with the sample track day (out/demo.db, made
# afresh): the first session goes green by itself; n runs the next. Without a terminal (piped,
# CI) it prints the session as `laptiming record` does and ends by itself.
demo: $(STAMP)
	mkdir -p out && rm -rf out/demo.db out/demo.db-wal out/demo.db-shm out/demo.db.session-* out/demo.db.print-jobs
	$(BIN)/laptiming demo --db out/demo.db

# worksteal: an idle worker takes queued tests from a busy one, so a few slow tests do not
# leave one core idle at the end.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
