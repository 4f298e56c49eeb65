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

# Ctrl-C: the terminal sends SIGINT to every process, but the shell started them in the
# background, where SIGINT is ignored unless a process handles it itself: so the trap passes one
# SIGTERM on to each, and then only waits (a second signal would cut their cleanup short; the
# services take either signal once). If one process exits by itself, the others are stopped.
run: $(BIN)/.installed
	@trap 'stopping=1; kill $$(jobs -pr) 2>/dev/null' INT TERM; \
	$(BIN)/python -m media & \
	$(BIN)/python -m api serve & \
	$(BIN)/python -m api worker & \
	wait -n; \
	[ -n "$$stopping" ] || kill $$(jobs -pr) 2>/dev/null; \
	while [ -n "$$(jobs -pr)" ]; do wait; done

test: $(BIN)/.installed
	@scripts/ensure-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# `list` runs against a running stack (make run) filled with
# .venv/bin/python -m api fixtures generate --count 1000000; `serving` (the ratios to the
# reference and to media direct, 1 and 2 api workers), `pictures`, `breaker` and `processing`
# start their own services.
bench: $(BIN)/.installed
	@scripts/ensure-tools
	$(BIN)/python -m bench list $(BENCH_ARGS)
	$(BIN)/python -m bench serving
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
