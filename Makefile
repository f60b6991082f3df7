# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run dev test security-checks packages packages-dev install upgrade translations extract-messages system-deps demo clean bench

## make run: install what is needed, migrate the SQLite database and serve on http://127.0.0.1:5000
## with gunicorn (scripts/serve.py: threads, one worker per core); says so if the port is taken.
run: packages translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/python scripts/serve.py --host $(HOST) --port $(PORT)

## make dev: the same with Flask's development server, which reloads on code changes.
dev: packages translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app run --debug --host $(HOST) --port $(PORT)

## make test: install what the tests need (Python packages, Chromium), run the whole suite,
## then the security checks below
## Both cores: one pytest-xdist worker per core; tests marked with an xdist_group share one.
test: packages-dev translations system-deps
	$(BIN)/python -m pytest -n auto --dist loadgroup
	$(MAKE) --no-print-directory security-checks

## make security-checks: bandit fails on any high-severity finding in the app's code; pip-audit
## (scripts/audit_dependencies.py) fails on any known vulnerability in the pinned runtime
## dependencies. Packages it could not check (service unreachable from this network) are listed
## in a loud warning, never passed silently; PIP_AUDIT_STRICT=1 makes that a failure as well.
## PIP_AUDIT_SERVICE=osv asks OSV instead of PyPI's JSON API.
PIP_AUDIT_SERVICE ?= pypi
security-checks: packages-dev
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

packages: $(VENV)/.installed
packages-dev: $(VENV)/.installed-dev

## make install (as root, Debian/Ubuntu): run this checkout as a service behind HTTPS, with daily
## backups. NAME=asiakastyo.example.org for a public name with an automatic certificate; without
## it, Caddy's own certificate authority for the office network. See docs/SELF-HOSTING.md.
install: packages translations
	$(BIN)/python scripts/selfhost.py install $(if $(NAME),--name $(NAME))

## make upgrade (as root, on an installed service): backup, update, migrate, restart; rolls back
## to the backup if the migration fails.
upgrade:
	$(BIN)/python scripts/selfhost.py upgrade

## Compile the Finnish, Swedish and English catalogues.
translations: packages
	$(BIN)/pybabel compile --statistics -d translations

## Refresh the catalogues after adding strings: then translate the new entries in each .po file.
extract-messages: packages
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs=".* node_modules" -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -N -i translations/messages.pot -d translations -l en
	for locale in fi sv; do $(BIN)/pybabel update -N -w 100 -i translations/messages.pot -d translations -l $$locale; done

## Debian packages: Chromium for the browser tests, Pango for PDFs.
system-deps:
	@sh scripts/system-deps.sh

## make screenshots: start the app with the demo association and save the README's screenshots
## into docs/screenshots/ (needs Chromium and poppler-utils, as the browser tests do).
screenshots: packages-dev translations system-deps
	$(BIN)/python scripts/screenshots.py

demo: packages translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo load

clean:
	rm -rf $(VENV) .pytest_cache

## make bench: seed a synthetic association (10,000 clients) and measure it under gunicorn with wrk,
## on SQLite and on PostgreSQL when one answers; ARGS=--large adds 100,000 clients (SQLite).
## Results: bench/results/<date>-<database>.md. See README.md, Benchmarks.
bench: packages-dev translations system-deps
	$(BIN)/python -m bench.run $(ARGS)

## make security-figures: run the security suite and write docs/security-figures.md
security-figures: packages-dev translations
	SECURITY_FIGURES=1 $(BIN)/python -m pytest tests/security -q
