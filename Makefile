# Omnimix: `make run` starts the dashboard on the sample data, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The database `make run` serves: $OMNIMIX_DB when set (the app reads it too), else the sample.
DB ?= $(or $(OMNIMIX_DB),sample_data/omnimix.duckdb)
PORT ?= 8501

.PHONY: run test install browser sample lint bench clean

$(BIN)/omnimix: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/omnimix

$(DB): | $(BIN)/omnimix
	$(BIN)/omnimix generate --db $(DB) --customers 50000 --seed 42

sample: $(DB)

run: install $(DB)
	OMNIMIX_DB=$(DB) $(BIN)/python -m streamlit run dashboard/app.py --server.port $(PORT) --browser.gatherUsageStats false

# Debian's chromium drives the real-browser tests (a test tool's own browser download fails here).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Debian's chromium: run 'sudo apt-get install -y chromium', then 'make test' again."; \
		exit 1; \
	fi

test: install browser
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

# Benchmarks compare against the `implicit` library too, so they install the `bench` extra.
bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) tests/artifacts .pytest_cache
