# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev translations extract-messages system-deps demo clean bench

## make run: install what is needed, migrate the SQLite database and serve on http://127.0.0.1:5000
run: install translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

## make test: install what the tests need (Python packages, Chromium) and run the whole suite
test: install-dev translations system-deps
	$(BIN)/python -m pytest

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
	$(BIN)/pybabel update -N -i translations/messages.pot -d translations

## Debian packages: Chromium for the browser tests, Pango for PDFs.
system-deps:
	@sh scripts/system-deps.sh

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
