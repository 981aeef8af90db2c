# make run: set up .venv, build the index, serve the chat.  make test: set up .venv, run every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
ADDRESS ?= localhost

.PHONY: run test index lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

index: $(STAMP)
	$(BIN)/bot index

run: index
	@echo "citebot: open http://$(ADDRESS):$(PORT) in a browser (Ctrl-C stops the server)"
	$(BIN)/streamlit run ui/app.py --server.headless true --server.port $(PORT) \
		--server.address $(ADDRESS) --browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check bot tests ui
	$(BIN)/ruff format --check bot tests ui

clean:
	rm -rf $(VENV) corpus/.citebot

# make bench: citebot against rank-bm25 and bm25s at 10k, 100k and 1M passages (bench/README.md).
BENCH_STAMP := $(VENV)/.bench-installed
.PHONY: bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run
