# make run: the whole system locally (PostgreSQL, media, api, a worker). make test: the tests.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

# No variable to export: unless MEDIA_TOKEN is set, both services and every command find the
# service token in .data/media-token (MEDIA_TOKEN_FILE), made at random on first use.

.PHONY: run test bench docs openapi migrate fixtures clean

$(BIN)/.installed: pyproject.toml
	@python=$$(scripts/find-python) && "$$python" -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,dev]'
	@touch $@

run: $(BIN)/.installed
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
	$(BIN)/python -m media & \
	$(BIN)/python -m api serve & \
	$(BIN)/python -m api worker & \
	wait -n

test: $(BIN)/.installed
	@scripts/ensure-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# `list` runs against a running stack (make run) filled with
# .venv/bin/python -m api fixtures generate --count 1000000; `pictures` and `breaker` start their
# own services.
bench: $(BIN)/.installed
	@scripts/ensure-tools
	$(BIN)/python -m bench list $(BENCH_ARGS)
	$(BIN)/python -m bench pictures
	$(BIN)/python -m bench breaker
	$(BIN)/python -m bench processing

# openapi.json and the README's tables of settings and errors, made from the code.
docs: $(BIN)/.installed
	$(BIN)/python -m api openapi -o openapi.json
	$(BIN)/python -m api readme

openapi: $(BIN)/.installed
	$(BIN)/python -m api openapi -o openapi.json

migrate: $(BIN)/.installed
	$(BIN)/python -m api migrate

fixtures: $(BIN)/.installed
	$(BIN)/python -m api fixtures apply-all

clean:
	rm -rf $(VENV)
