# Every target creates .venv on first use and re-installs when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test test-torch demo lab bench lint clean site

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks,dev,bench]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# The PyTorch agreement tests, skipped by `make test` without torch: install the [torch] extra, run them all.
test-torch: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[torch]'
	$(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/python -m nn.demo

# The notebooks in JupyterLab, with the project's kernel (.venv); it opens a browser tab. JupyterLab
# refuses to run as root unless told, as in a container: then it is told.
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

site: $(STAMP)
	$(BIN)/python web/build.py --out site

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy autograd nn benchmarks

clean:
	rm -rf $(VENV) build *.egg-info site web/node_modules
