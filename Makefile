# Two commands on a fresh machine:  `make run` (set up, index the shipped notes, start the app)
# and `make test` (set up, lint, type-check, run the whole test suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: run test test-fast lint screenshots setup browser-deps bench eval

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	# torch first and pinned: anything unpinned that depends on it would pull a CUDA build.
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[dev,llm,bench]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/tutor ingest --if-empty corpus/notes corpus/cards
	$(VENV)/bin/streamlit run ui/app.py --server.port $(PORT) --server.address 127.0.0.1 \
		--server.headless true --browser.gatherUsageStats false

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "warning: could not install chromium; browser tests will be skipped"; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint browser-deps
	$(PY) -m pytest

# Unit tests only: no slow end-to-end, browser or server tests (a few minutes).
test-fast: lint
	$(PY) -m pytest -m "not slow and not browser and not http and not server and not model"

# The README's screenshots: the browser test, told to write them to docs/screenshots.
screenshots: $(STAMP) browser-deps
	TUTOR_TEST_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/test_browser.py

bench: $(STAMP)
	$(PY) -m evals.bench

eval: $(STAMP)
	$(VENV)/bin/tutor eval retrieval --dataset evals/datasets/retrieval_notes.jsonl --mode all
