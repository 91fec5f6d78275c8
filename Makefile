# Two commands on a fresh machine:  `make run` (set up, index the shipped notes, start the app)
# and `make test` (set up, run the whole test suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: run test setup browser-deps clean-home bench eval

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	# torch first and pinned: anything unpinned that depends on it would pull a CUDA build.
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[dev,llm,bench]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/tutor ingest --if-empty corpus/notes
	$(VENV)/bin/streamlit run ui/app.py --server.port $(PORT) --server.address 127.0.0.1 \
		--server.headless true --browser.gatherUsageStats false

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "warning: could not install chromium; browser tests will be skipped"; }

test: $(STAMP) browser-deps
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m evals.bench

eval: $(STAMP)
	$(VENV)/bin/tutor eval retrieval --dataset evals/datasets/retrieval_notes.jsonl --mode all
