# The two commands (see README): `make demo` runs the notebook suite on data/sample/ and writes
# reports/report.html; `make test` runs ruff, the unit tests, the doctests and every notebook
# under nbval. Both create/update the local virtual environment .venv from requirements.lock.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYTHONHASHSEED := 0
JOBS   ?= 2

.PHONY: demo test test-reversed lint unit notebooks lock sample clean-venv

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cxanalytics report --out reports --jobs $(JOBS)

test: lint unit notebooks

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests cxanalytics --doctest-modules -q -p no:cacheprovider

# The unit tests in reverse order: a test that passes only after another one fails here.
test-reversed: $(STAMP)
	$(BIN)/python -m pytest tests cxanalytics --doctest-modules -q -p no:cacheprovider --reverse-order

notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks --nbval --nbval-sanitize-with notebooks/sanitize.cfg \
		--nbval-current-env -q -p no:cacheprovider

# Re-pin every dependency after changing pyproject.toml; then re-run the notebooks and commit
# their outputs, since text outputs depend on exact versions.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check ".[notebooks,test,scale]"
	( echo "# Exact versions the committed notebook outputs were produced with (make lock)."; \
	  .lock-venv/bin/python -m pip freeze --exclude cxanalytics ) > requirements.lock
	rm -rf .lock-venv

# Regenerate the committed sample data (byte-identical for the same seed).
sample: $(STAMP)
	$(BIN)/cxanalytics sample --out data/sample --seed 2026

clean-venv:
	rm -rf $(VENV)
