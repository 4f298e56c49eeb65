# make run: the whole system locally (PostgreSQL, media, api). make test: the tests.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

# The token the api shows the media service: unless set, a random one made once and kept in
# .data/media-token, so that `make fixtures` in another shell talks to the running media.
ifndef MEDIA_TOKEN
MEDIA_TOKEN := $(shell test -s .data/media-token || (mkdir -p .data && head -c 32 /dev/urandom \
	| base64 | tr -d '/+=\n' > .data/media-token); cat .data/media-token)
endif
export MEDIA_TOKEN

.PHONY: run test bench openapi migrate fixtures clean

$(BIN)/.installed: pyproject.toml
	@python=$$(scripts/find-python) && "$$python" -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,dev]'
	@touch $@

run: $(BIN)/.installed
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
	$(BIN)/python -m media & \
	$(BIN)/python -m api serve & \
	wait -n

test: $(BIN)/.installed
	@scripts/ensure-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# `list` runs against a running stack (make run) filled with
# .venv/bin/python -m api fixtures generate --count 1000000; `pictures` starts its own services.
bench: $(BIN)/.installed
	@scripts/ensure-tools
	$(BIN)/python -m bench list $(BENCH_ARGS)
	$(BIN)/python -m bench pictures

openapi: $(BIN)/.installed
	$(BIN)/python -m api openapi -o openapi.json

migrate: $(BIN)/.installed
	$(BIN)/python -m api migrate

fixtures: $(BIN)/.installed
	$(BIN)/python -m api fixtures apply-all

clean:
	rm -rf $(VENV)
