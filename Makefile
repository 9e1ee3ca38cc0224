# Two commands on a fresh clone: `make audit` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  := torch==2.13.0
OUT    ?= reports/out/credit

.PHONY: audit test lint venv clean bench

$(BIN)/rai-audit: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@# Pinned CPU torch first, so the package's torch range never pulls a CUDA build.
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

venv: $(BIN)/rai-audit

audit: venv
	$(BIN)/rai-audit run credit --out $(OUT)
	@echo "Report: $(abspath $(OUT))/report.html"

lint: venv
	$(BIN)/ruff check .

test: venv lint
	$(BIN)/python -m pytest -q

bench: venv
	$(BIN)/python benchmarks/bench_credit.py

clean:
	rm -rf $(VENV) reports/out build dist .pytest_cache
