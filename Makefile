# SIGNA: every target sets up .venv first if it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all bench lint install clean onnx2tf-env

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,tflite]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

test: lint
	$(BIN)/python -m pytest -q

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -m ''

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# ruff, and import-linter: pipeline stages import only the stages below them, no import cycles
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	PYTHONPATH=src $(BIN)/lint-imports

# The TFLite converter environment of `signa export --format tflite --route onnx2tf` (and --kaggle):
# TensorFlow pins numpy/protobuf versions SIGNA's .venv cannot share, so it lives apart and
# signa.export.onnx2tf runs it as a subprocess (or point SIGNA_ONNX2TF_PYTHON at another python).
ONNX2TF_VENV := .venv-onnx2tf

onnx2tf-env: $(ONNX2TF_VENV)/.installed

$(ONNX2TF_VENV)/.installed:
	test -d $(ONNX2TF_VENV) || $(PY) -m venv $(ONNX2TF_VENV)
	$(ONNX2TF_VENV)/bin/pip install -q tensorflow-cpu==2.19.1 onnx==1.19.1 numpy==1.26.4
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
