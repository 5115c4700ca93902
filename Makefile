# Klientportal: two commands do all the set-up themselves (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: install run lint test bench synth deploy deps-layer xslt-layer pdf-layer deploy-size clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cdk]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/klientportal local $(ARGS)

lint: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python -m bench

STAGE ?= dev

deps-layer: $(STAMP)
	$(BIN)/python -m infra.build_deps_layer

xslt-layer: $(STAMP)
	$(BIN)/python -m infra.build_xslt_layer

pdf-layer: $(STAMP)
	$(BIN)/python -m infra.build_pdf_layer

deploy-size: $(STAMP)
	$(BIN)/python -m infra.deploy_size

synth: deps-layer
	$(BIN)/python -m infra.app

deploy: deps-layer xslt-layer pdf-layer
	PATH=$(CURDIR)/$(BIN):$$PATH npx --yes aws-cdk@2 deploy Klientportal-$(STAGE) \
		-c klientportal:stage=$(STAGE) -c klientportal:requireDepsLayer=true --require-approval broadening

clean:
	rm -rf $(VENV) cdk.out build .local
