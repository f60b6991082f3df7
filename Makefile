# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test security-checks install install-dev translations extract-messages system-deps demo clean bench

## make run: install what is needed, migrate the SQLite database and serve on http://127.0.0.1:5000
run: install translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

## make test: install what the tests need (Python packages, Chromium), run the whole suite,
## then the security checks below
## Both cores: one pytest-xdist worker per core; tests marked with an xdist_group share one.
test: install-dev translations system-deps
	$(BIN)/python -m pytest -n auto --dist loadgroup
	$(MAKE) --no-print-directory security-checks

## make security-checks: bandit fails on any high-severity finding in the app's code; pip-audit
## (scripts/audit_dependencies.py) fails on any known vulnerability in the pinned runtime
## dependencies. Packages it could not check (service unreachable from this network) are listed
## in a loud warning, never passed silently; PIP_AUDIT_STRICT=1 makes that a failure as well.
## PIP_AUDIT_SERVICE=osv asks OSV instead of PyPI's JSON API.
PIP_AUDIT_SERVICE ?= pypi
security-checks: install-dev
	$(BIN)/bandit --quiet --recursive association_tool scripts --severity-level high
	$(BIN)/python scripts/audit_dependencies.py --service $(PIP_AUDIT_SERVICE)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Compile the Finnish, Swedish and English catalogues.
translations: install
	$(BIN)/pybabel compile --statistics -d translations

## Refresh the catalogues after adding strings: then translate the new entries in each .po file.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs=".* node_modules" -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -N -i translations/messages.pot -d translations -l en
	for locale in fi sv; do $(BIN)/pybabel update -N -w 100 -i translations/messages.pot -d translations -l $$locale; done

## Debian packages: Chromium for the browser tests, Pango for PDFs.
system-deps:
	@sh scripts/system-deps.sh

## make screenshots: start the app with the demo association and save the README's screenshots
## into docs/screenshots/ (needs Chromium and poppler-utils, as the browser tests do).
screenshots: install-dev translations system-deps
	$(BIN)/python scripts/screenshots.py

demo: install translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo load

clean:
	rm -rf $(VENV) .pytest_cache

## make bench: seed a synthetic association (10,000 clients) and measure it under gunicorn with wrk,
## on SQLite and on PostgreSQL when one answers; ARGS=--large adds 100,000 clients (SQLite).
## Results: bench/results/<date>-<database>.md. See README.md, Benchmarks.
bench: install-dev translations system-deps
	$(BIN)/python -m bench.run $(ARGS)

## make security-figures: run the security suite and write docs/security-figures.md
security-figures: install-dev translations
	SECURITY_FIGURES=1 $(BIN)/python -m pytest tests/security -q
