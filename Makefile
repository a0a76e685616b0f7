# SIGNA: every target sets up .venv first if it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The video extra's MediaPipe, without its declared deps (protobuf<5 would break onnx): signa/mp_compat.py
MEDIAPIPE := mediapipe==0.10.14

.PHONY: demo docs test test-all bench lint install clean onnx2tf-env web-assets system-deps

# The full install (make install, test, lint, bench) and the demo's lighter one (make demo: the video and
# ONNX extras only, no test, TFLite or web tools); make demo uses the full one where it is already there.
FULL_EXTRAS := dev,tflite,video,web
DEMO_EXTRAS := onnx,video
DEMO_STAMP := $(VENV)/.installed-demo

# $(call venv_install,EXTRAS): .venv with torch, SIGNA (editable) with EXTRAS, and MediaPipe
define venv_install
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[$(1)]'
	$(BIN)/pip install -q --no-deps $(MEDIAPIPE)
	touch $@
endef

$(STAMP): pyproject.toml
	$(call venv_install,$(FULL_EXTRAS))

$(DEMO_STAMP): pyproject.toml
	$(call venv_install,$(DEMO_EXTRAS))

install: $(STAMP) web-assets

# Debian packages of the video and browser tests (ffmpeg, Chromium, npm): installed where missing when run as
# root (`apt-get install ffmpeg chromium npm` otherwise); the tests that need them skip without them, but not on CI.
SYSTEM_TOOLS := ffmpeg chromium npm

system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q $$missing; \
	  else echo "missing:$$missing (install with: sudo apt-get install$$missing)"; fi; fi

# The page's browser-side dependencies (MediaPipe Holistic, ONNX Runtime Web), pinned by web/package-lock.json
# and served by `signa serve` from web/node_modules; nothing is fetched from a CDN at run time.
WEB_STAMP := web/node_modules/.installed

web-assets: $(WEB_STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json | system-deps
	cd web && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

demo: $(if $(wildcard $(STAMP)),$(STAMP),$(DEMO_STAMP))
	$(BIN)/signa demo

test: system-deps lint web-assets
	$(BIN)/python -m pytest -q --durations=15

test-all: $(STAMP) web-assets
	$(BIN)/python -m pytest -q -m ''

# The documentation site (mkdocs-material, docs/ and mkdocs.yml) into site/, offline, failing on any warning.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

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
	rm -rf $(VENV) build *.egg-info .pytest_cache web/node_modules site
