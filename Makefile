# Thin aliases; the commands themselves are what CI and the README run.
PYTHON ?= $(shell [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)

.PHONY: install check lint format typecheck test docs bench

install:
	$(PYTHON) -m pip install -e '.[test]'

check: lint typecheck test

lint:
	$(PYTHON) -m ruff check codeguard tests bench
	$(PYTHON) -m ruff format --check codeguard tests bench

format:
	$(PYTHON) -m ruff format codeguard tests bench
	$(PYTHON) -m ruff check --fix codeguard tests bench

typecheck:
	$(PYTHON) -m mypy --strict codeguard

# pytest exits 5 when it collects nothing: a suite that tests nothing must fail.
test:
	@$(PYTHON) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

docs:
	$(PYTHON) -m codeguard rules docs -o docs/rules.md

bench:
	$(PYTHON) bench/run.py
