# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench seed-demo clean installer self-test screenshots faults

# (Re)install only when the dependency pins change.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# No `db upgrade` here or in `test`: the app creates and migrates its local database itself,
# and a file made before its first start would hide the welcome dialog.
run: $(STAMP)
	$(BIN)/portal-desktop

test: $(STAMP)
	sh tests/secret_service_test.sh $(BIN)/python
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# The installer (README.md, "Install"): dist/portal-desktop/ and its tarball, built with the
# pinned PyInstaller (the `installer` extra); not rebuilt when pins and sources are unchanged.
INSTALLER_STAMP := $(VENV)/.installer
$(INSTALLER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,installer]'
	touch $(INSTALLER_STAMP)

installer: $(INSTALLER_STAMP)
	$(BIN)/python packaging/build.py

# The bundle's own smoke test (no display needed).
self-test: installer
	dist/portal-desktop/portal-desktop --self-test

# The README's pictures: every screen, light and dark, on the demo data (tools/screenshots.py).
# Only this writes docs/screenshots/; the test suite never does.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py --out docs/screenshots

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks print ratios against a baseline measured in the same run; 1M-row data sets are
# built once and cached under /tmp (the first run takes a while).
BENCHES := seed_bench table_bench list_bench kpi_bench dashboard_bench import_bench startup_bench tabs_bench
bench: $(STAMP)
	status=0; for b in $(BENCHES); do $(BIN)/python bench/$$b.py || status=1; done; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist

# Faults and load, measured (README.md, "Faults and load"): faults/ is not in the suite's
# testpaths; FAULTS_SCALE (default 1) scales every count, 0.2 runs a fifth of each.
FAULTS_SCALE ?= 1
faults: $(STAMP)
	FAULTS_SCALE=$(FAULTS_SCALE) QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest faults -s $(PYTEST_ARGS)
