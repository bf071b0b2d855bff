# simnet – zwei Befehle für Neulinge: `make lab` und `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: lab test bench site serve notebooks clean

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	touch $@

$(VENV)/.test: $(VENV)/.created pyproject.toml
	$(PIP) install --quiet -e '.[test,views]'
	touch $@

$(VENV)/.lab: $(VENV)/.created pyproject.toml
	$(PIP) install --quiet -e '.[lab,test]'
	touch $@

## make test: installiert alles in .venv und führt alle Tests aus
test: $(VENV)/.test
	$(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "Keine Tests gefunden." >&2; exit 1; fi; exit $$rc

## make lab: installiert alles in .venv und öffnet JupyterLab auf den Notebooks
lab: $(VENV)/.lab notebooks
	$(VENV)/bin/jupyter lab notebooks/

notebooks: $(VENV)/.lab
	@if ls notebooks/*.py >/dev/null 2>&1; then $(VENV)/bin/jupytext --to ipynb notebooks/*.py; fi

## make bench: Geschwindigkeit und Speicher (Zahlen und Verhältnisse)
bench: $(VENV)/.test
	$(PY) bench/run.py

## make site: die Lernseite (kommt mit den Lektionen)
site:
	@if [ -f mkdocs.yml ]; then $(VENV)/bin/mkdocs build --strict; else echo "Die Lernseite gibt es noch nicht (mkdocs.yml fehlt)."; fi

serve:
	@if [ -f mkdocs.yml ]; then $(VENV)/bin/mkdocs serve; else echo "Die Lernseite gibt es noch nicht (mkdocs.yml fehlt)."; fi

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
