# deepfake-api-mock: `make run` serves the emulator, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
WORKERS ?= 4
TEST_PROCESSES ?= 2
RUN_STAMP  := $(VENV)/.installed-run
STAMP      := $(VENV)/.installed-test

.PHONY: run test test-server-mode contracts bench fidelity routes clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python  ## the runtime only: what `serve` needs
	$(BIN)/pip install --quiet --no-compile -e .  # bytecode is written on first import instead
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python  ## the runtime, the contract extra and the test tools
	$(BIN)/pip install --quiet --no-compile -e '.[test]'
	touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)  ## install the runtime, then serve every vendor on http://$(HOST):$(PORT) (state in ./var/)
	$(BIN)/deepfake-mock serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: $(STAMP)  ## install, then run the unit, behaviour, server, packaging and contract tests
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES)

# The vendor API tests (tests/vendors/<vendor>/test_api.py), each against gunicorn.
SERVER_MODE_TESTS ?= $(wildcard tests/vendors/*/test_api.py)

test-server-mode: $(STAMP)  ## the vendor API tests against gunicorn in another process (pytest --server-mode)
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES) --server-mode $(SERVER_MODE_TESTS)

contracts: $(STAMP)  ## the contract suite and its report; VENDOR=, BASE_URL= (another server), MAX_EXAMPLES=
	$(BIN)/deepfake-mock contract $(if $(VENDOR),--vendor $(VENDOR)) $(if $(BASE_URL),--base-url $(BASE_URL)) $(if $(MAX_EXAMPLES),--max-examples $(MAX_EXAMPLES))

bench: $(STAMP)  ## benchmarks through gunicorn on loopback (not part of `make test`)
	$(BIN)/python -m bench

fidelity: $(STAMP)  ## refresh docs/FIDELITY.md (the fidelity table) from the specs' x-emulator-note
	$(BIN)/deepfake-mock fidelity --write docs/FIDELITY.md

routes: $(RUN_STAMP)
	$(BIN)/deepfake-mock routes

clean:
	rm -rf $(VENV) var build *.egg-info
