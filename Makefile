# simnet – zwei Befehle für Neulinge: `make lab` und `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: lint lite lab test bench fuzz site serve notebooks clean

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	touch $@

$(VENV)/.test: $(VENV)/.created pyproject.toml
	$(PIP) install --quiet -e '.[test,views,site]'
	touch $@

$(VENV)/.lab: $(VENV)/.created pyproject.toml
	$(PIP) install --quiet -e '.[lab,test]'
	touch $@

## make lint: ruff prüft den Code (Syntax, unbekannte Namen, Unbenutztes), mypy die Typen in simnet/
lint: $(VENV)/.test
	$(VENV)/bin/ruff check simnet tools tests bench
	$(PY) -m mypy

## make test: installiert alles in .venv und führt alle Tests aus
test: $(VENV)/.test lint
	$(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "Keine Tests gefunden." >&2; exit 1; fi; exit $$rc

## make fuzz: Befehle und Lab-Dateien mit 100 000 erzeugten Fällen (Hypothesis); druckt die Zahlen
fuzz: $(VENV)/.test
	SIMNET_FUZZ_CASES=$${SIMNET_FUZZ_CASES:-100000} SIMNET_FUZZ_COLLECT=$${SIMNET_FUZZ_COLLECT:-1} $(PY) -m pytest tests/test_fuzz.py -q -s -p no:cacheprovider

# JupyterLab zeigt in notebooks/ nur die .ipynb: die jupytext-Quellen (*.py) sind ausgeblendet
HIDE := "['__pycache__', '*.pyc', '*.pyo', '.DS_Store', '*~', '*.py', '*.ipynb.tmp']"

## make lab: installiert alles in .venv und öffnet JupyterLab auf den Notebooks
lab: $(VENV)/.lab notebooks
	$(VENV)/bin/jupyter lab notebooks/ --ContentsManager.hide_globs=$(HIDE)

## make notebooks: legt fehlende .ipynb an; deine bearbeiteten Notebooks bleiben, wie sie sind
notebooks: $(VENV)/.lab
	@$(PY) tools/notebooks.py --learner

## make bench: Geschwindigkeit und Speicher (Zahlen und Verhältnisse)
bench: $(VENV)/.test
	$(PY) bench/run.py
	$(PY) bench/load_bench.py
	MPLBACKEND=Agg $(PY) bench/views_bench.py
	$(PY) bench/lite_bench.py

## make site: baut die Lernseite offline nach site/ (führt die Notebooks aus, mit Cache),
## dazu unter site/lab/ die Notebooks zum Ausführen im Browser (JupyterLite, braucht Python 3.12 und npm)
site: $(VENV)/.test
	$(PY) tools/lite.py
	SIMNET_LITE=1 NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict
	$(PY) tools/lite.py --out site/lab

## make lite: nur die JupyterLite-Seite (build/lite/out), z. B. zum Testen
lite: $(VENV)/.test
	$(PY) tools/lite.py

## make serve: zeigt die Lernseite auf http://127.0.0.1:8000 an und lädt bei Änderungen neu
serve: $(VENV)/.test
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve -a 127.0.0.1:8000

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
