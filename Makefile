# dfwctl -- `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TESTENV := scripts/testenv

.DEFAULT_GOAL := help
.PHONY: help install testenv demo seed-demo lint test unit bench chaos mutate clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/dfwctl: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,lint]'
	@touch $@

install: $(BIN)/dfwctl ## Install dfwctl, the test tools and the lint gates into .venv

testenv: ## Start the local Docker Engine, registry and test images (idempotent)
	$(TESTENV) up >/dev/null

demo: install testenv ## Apply playbooks/quickstart.yml to the local engine, then show that a second plan is empty
	eval "$$($(TESTENV) up)" && \
	  $(BIN)/dfwctl apply --auto-approve playbooks/quickstart.yml && \
	  echo && echo '--- a second plan:' && \
	  $(BIN)/dfwctl plan --detailed-exitcode playbooks/quickstart.yml

seed-demo: install testenv ## The seed (playbooks/seed.yml) on a simulated PC: WIN10 off, plan, one apply through the VM restart, an empty plan
	eval "$$($(TESTENV) up)" && scripts/seed-demo

lint: install ## Check the code: ruff (style, imports, bugbear) and mypy (types, strict)
	$(BIN)/ruff check dfwctl tests bench chaos
	$(BIN)/mypy

test: install testenv ## Run every test (unit and against the real local engine)
	eval "$$($(TESTENV) up)" && DFWCTL_REQUIRE_ENGINE=1 $(BIN)/pytest -q $(PYTEST_ARGS)

unit: install ## Run the tests that need no engine (tests/unit)
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

bench: install testenv ## Time converge against the SDK floor and peer tools (BENCH_ARGS="--sizes 10,40 --reps 1 --tools dfwctl,floor")
	eval "$$($(TESTENV) up)" && $(BIN)/python bench/run.py $(BENCH_ARGS)

chaos: install testenv ## Faults injected into a private engine, dfwctl interrupted, two applies at once, 10,000 fuzzed playbooks (root; slow; CHAOS_ARGS="--only kill_cold --fuzz 500")
	eval "$$($(TESTENV) up)" && $(BIN)/python -m chaos.run $(CHAOS_ARGS)

mutate: install ## Mutation testing of the core modules, unit tests only (slow; MUTATE_ARGS="--module dfwctl.load" for one)
	$(BIN)/pip install --quiet -e '.[mutate]'
	$(BIN)/python scripts/mutate.py $(MUTATE_ARGS)

clean: ## Remove the virtual environment and caches (the test engine keeps running)
	rm -rf $(VENV) *.egg-info .pytest_cache .seed-demo mutants mutants.log
