# Two commands matter: `make preview` (offline plan of a stack) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STACK  ?= dev

.PHONY: preview test bench lock clean

# Every install checks each downloaded file against the lock's hashes and refuses a package the
# lock does not hash.
PIP    := $(PY) -m pip install -q --disable-pip-version-check --require-hashes

# The program's own dependencies: enough for the offline preview. pip comes first, from its own
# lock: a new 3.11 venv's pip (23.2) fails to resolve this set and ignores hashes in a constraints
# file. Both later steps install within the same lock (constraints.txt), so the second never meets
# versions the first chose differently.
$(VENV)/.program: requirements.txt constraints.txt pip-lock.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -r pip-lock.txt
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

# Resolve requirements*.txt (and pip) into the locks, with the hash of every file PyPI has for each
# pinned version, for every platform. Pins already locked stay where they still fit;
# `make lock LOCK_FLAGS=--upgrade` moves every package, pip too, to its newest release.
LOCK_FLAGS ?=
COMPILE = CUSTOM_COMPILE_COMMAND="make lock" .lock-venv/bin/pip-compile -q --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_FLAGS)

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r pip-lock.txt
	.lock-venv/bin/python -m pip install -q --disable-pip-version-check pip-tools==7.6.2
	$(COMPILE) --output-file=constraints.txt requirements-dev.txt
	echo pip | $(COMPILE) --output-file=pip-lock.txt -
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache
