# Two commands on a fresh clone: `make audit` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  := torch==2.13.0
OUT    ?= reports/out/credit

.PHONY: audit test lint venv clean bench browser java screenshots

$(BIN)/rai-audit: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@# Pinned CPU torch first, so the package's torch range never pulls a CUDA build.
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e '.[dev,hf,spark,mlflow,ray]'
	@touch $@

venv: $(BIN)/rai-audit

audit: venv
	$(BIN)/rai-audit run credit --out $(OUT)
	@echo "Report: $(abspath $(OUT))/report.html"

lint: venv
	$(BIN)/ruff check .

test: venv lint browser java
	$(BIN)/python -m pytest -q

# Chromium and chromedriver for the browser and PDF tests (tests/report): installed with
# apt when CI=true and missing; never fails the build, as those tests skip with a reason.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
	  echo "browser: using $$(command -v chromium) and $$(command -v chromedriver)"; \
	elif [ "$(CI)" != "true" ]; then \
	  echo "browser: chromium or chromedriver missing; the browser and PDF tests will skip" \
	    "(install Debian's chromium and chromium-driver, or run with CI=true)"; \
	else \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo="sudo -n"; fi; \
	  if command -v apt-get >/dev/null 2>&1 \
	    && $$sudo apt-get update -qq \
	    && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
	    && command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
	    echo "browser: installed chromium and chromium-driver"; \
	  else \
	    echo "browser: could not install chromium and chromium-driver with apt-get" \
	      "(no apt-get, no root, or no network); the browser and PDF tests will skip"; \
	  fi; \
	fi

# Java 17+ for the Spark engine tests (tests/engines): installed with apt when CI=true and
# missing. In CI those tests fail (not skip) without Java, so a failed install shows there.
java:
	@if command -v java >/dev/null 2>&1; then \
	  echo "java: using $$(command -v java)"; \
	elif [ "$(CI)" != "true" ]; then \
	  echo "java: missing; the Spark tests will skip (install default-jre-headless, or run with CI=true)"; \
	else \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo="sudo -n"; fi; \
	  if command -v apt-get >/dev/null 2>&1 \
	    && $$sudo apt-get update -qq \
	    && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless \
	    && command -v java >/dev/null 2>&1; then \
	    echo "java: installed default-jre-headless"; \
	  else \
	    echo "java: could not install default-jre-headless with apt-get; the Spark tests will fail in CI"; \
	  fi; \
	fi

# The README's report screenshots (docs/img): audits credit and vision, then captures them.
screenshots: venv browser
	$(BIN)/python docs/screenshots.py

bench: venv
	$(BIN)/python benchmarks/bench_credit.py

clean:
	rm -rf $(VENV) reports/out build dist .pytest_cache
