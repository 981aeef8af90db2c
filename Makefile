# make run: set up .venv, build the index, serve the chat.  make test: set up .venv-dev, run every test.
PYTHON ?= python3
# Two environments: .venv holds the app and what it needs (make run); .venv-dev adds the test
# and evaluation tools (make test, lint, bench). The served app then imports none of them: the
# reference evaluation tools pull in scipy, which NLTK imports when present (about a second).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.app-installed
DEV_VENV := .venv-dev
DEV_BIN := $(DEV_VENV)/bin
DEV_STAMP := $(DEV_VENV)/.installed
PORT ?= 8501
ADDRESS ?= localhost
# More options for python -m ui.serve: --read-only, --require-key, any streamlit run option.
SERVE_OPTIONS ?=

.PHONY: run test index lint clean

$(STAMP): pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): pyproject.toml
	$(PYTHON) -m venv $(DEV_VENV)
	$(DEV_BIN)/pip install --quiet --upgrade pip
	$(DEV_BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

index: $(STAMP)
	$(BIN)/bot index

# ui/serve.py starts Streamlit and loads the corpus while the browser loads the page; the
# first-answer benchmark (bench/first_answer.py) starts the server with this same command.
run: index
	@echo "citebot: open http://$(ADDRESS):$(PORT) in a browser (Ctrl-C stops the server)"
	$(BIN)/python -m ui.serve --server.port $(PORT) --server.address $(ADDRESS) $(SERVE_OPTIONS)

test: $(DEV_STAMP)
	$(DEV_BIN)/python -m pytest -q

lint: $(DEV_STAMP)
	$(DEV_BIN)/ruff check bot tests ui bench
	$(DEV_BIN)/ruff format --check bot tests ui bench

clean:
	rm -rf $(VENV) $(DEV_VENV) corpus/.citebot

# make bench: citebot against rank-bm25 and bm25s at 10k, 100k and 1M passages (bench/README.md).
.PHONY: bench

BENCH_STAMP := $(DEV_VENV)/.bench-installed
$(BENCH_STAMP): $(DEV_STAMP)
	$(DEV_BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# The first answer in the browser is timed with the server in make run's environment.
bench: $(BENCH_STAMP) $(STAMP)
	CITEBOT_SERVE_PYTHON=$(CURDIR)/$(BIN)/python $(DEV_BIN)/python -m bench.run
