# Two commands matter: `make preview` (offline plan of a stack) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STACK  ?= dev

.PHONY: preview test bench clean

# The program's own dependencies: enough for the offline preview.
$(VENV)/.program: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -U pip   # pip 23.2's resolver fails on this set
	$(PY) -m pip install -q -r requirements.txt
	touch $@

# Everything: jobs module and test tools too.
$(VENV)/.dev: $(VENV)/.program requirements-jobs.txt requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

preview: $(VENV)/.program
	$(PY) -m preview $(STACK)

test: $(VENV)/.dev
	$(PY) -m pytest -q

bench: $(VENV)/.dev
	$(PY) bench/preview.py

clean:
	rm -rf $(VENV) .pytest_cache
