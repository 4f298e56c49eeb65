# make run: the whole system locally (PostgreSQL, media, api, a worker).
# make check: the fast tier of the tests, about a minute: everything but the tests marked `slow`
# (those that start processes, a browser or the fuzzer). Run it often while working.
# make test: every test (what CI runs), about 6 minutes on 2 cores; PYTEST_ARGS passes options to pytest.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

# No variable to export: unless MEDIA_TOKEN is set, both services and every command find the
# service token in .data/media-token (MEDIA_TOKEN_FILE), made at random on first use.

.PHONY: run test check bench docs openapi migrate fixtures clean

$(BIN)/.installed: pyproject.toml
	@python=$$(scripts/find-python) && "$$python" -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,dev]'
	@touch $@

# Ctrl-C: the terminal sends SIGINT to its foreground process group: make, the supervisor
# (common/supervise.py), the api and the worker (they take it, or the SIGTERM the supervisor
# passes on, as one request to stop), but not media, started in a session of its own: it must
# outlive them, so that the api's uploads in flight still store their pictures and the
# worker's last jobs still read theirs. So the api and the worker are stopped first, and media
# only once both have exited. A process that dies unasked is started again after 1, 2, 4 ... s;
# its 5th death within 60 s stops everything (make run fails, with a line saying why).
run: $(BIN)/.installed
	@$(BIN)/python -m common.supervise --last media media='$(BIN)/python -m media' \
		api='$(BIN)/python -m api serve' worker='$(BIN)/python -m api worker'

# Tests run in one worker process per core (pytest-xdist), handed out one at a time (under
# pytest 9, xdist_group marks have no effect: docs/development.md). Their
# temporary files go under a short directory made for the run: a socket path under a long
# one (the image workers' fork server's) is over the kernel's 108 bytes.
PYTEST := tmp=$$(mktemp -d /tmp/tests.XXXXXX) && trap 'rm -rf "$$tmp"' EXIT && \
	$(BIN)/python -m pytest -n auto --dist loadgroup --basetemp="$$tmp"

test: $(BIN)/.installed
	@scripts/ensure-tools
	@$(PYTEST) $(PYTEST_ARGS)

# No system tools needed: the browser, docker-compose and wrk serve only the slow tier.
check: $(BIN)/.installed
	@$(PYTEST) -m "not slow" $(PYTEST_ARGS)

# `serving` (the api's reads as ratios to the floor of its stack, pictures to media direct),
# `loops`, `ratelimits`, `pictures`, `breaker`, `trickle`, `processing`, `stalled` and `chaos`
# start their own services; `list` runs against a running stack (make run) filled with
# .venv/bin/python -m api fixtures generate
# --count 1000000, and without one says it is skipped; `chaos` runs last (ten minutes of faults,
# then its checks: a failed check fails make bench once every figure is printed).
bench: $(BIN)/.installed
	@scripts/ensure-tools
	$(BIN)/python -m bench serving
	$(BIN)/python -m bench ratelimits
	$(BIN)/python -m bench pictures
	$(BIN)/python -m bench breaker
	$(BIN)/python -m bench trickle
	$(BIN)/python -m bench processing
	$(BIN)/python -m bench stalled
	$(BIN)/python -m bench list --if-running $(BENCH_ARGS)
	$(BIN)/python -m bench chaos

# openapi.json and the tables of settings and errors in docs/settings.md, made from the code.
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
