# Two commands matter: `make preview` (offline plan of a stack) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STACK  ?= dev

.PHONY: preview test bench lock clean

PIP    := $(PY) -m pip install -q --disable-pip-version-check

# The program's own dependencies: enough for the offline preview. Both steps install within the
# same lock (constraints.txt), so the second never meets versions the first chose differently.
$(VENV)/.program: requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -U pip   # the pip of a new 3.11 venv (23.2) fails to resolve this set
	$(PIP) -r requirements.txt -c constraints.txt
	touch $@

# Everything: jobs module and test tools too.
$(VENV)/.dev: $(VENV)/.program requirements-jobs.txt requirements-dev.txt
	$(PIP) -r requirements-dev.txt -c constraints.txt
	touch $@

preview: $(VENV)/.program
	$(PY) -m preview $(STACK)

test: $(VENV)/.dev
	$(PY) -m pytest -q

bench: $(VENV)/.dev
	$(PY) bench/preview.py

# Re-resolve every requirement in a scratch venv and freeze the result as the lock.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --disable-pip-version-check -U pip
	.lock-venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	.lock-venv/bin/python -m pip check
	{ echo "# Every package at the version one full resolve of requirements-dev.txt chose; regenerate with 'make lock'."; \
	  .lock-venv/bin/python -m pip freeze --exclude pip; } > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache
