# Klientportal: two commands do all the set-up themselves (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: install run lint test bench synth lint-templates deploy deps-layer xslt-layer pdf-layer deploy-size clean
.PHONY: lock

# The versions the tests passed with: constraints.txt (`make lock` renews it from pyproject.toml).
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,cdk]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/klientportal local $(ARGS)

test: $(STAMP) lint
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Renew constraints.txt: a throwaway venv installs pyproject.toml's ranges afresh (newest allowed
# releases) and its versions are frozen. Commit the result once `make test` passes with it.
LOCK_VENV := build/lock-venv
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e '.[dev,cdk]'
	{ echo "# Versions the tests passed with; \`make lock\` renews this file from pyproject.toml (do not edit)."; \
	  echo "# Frozen with $$($(LOCK_VENV)/bin/python -V) on $$(uname -sm); pip installs with -c constraints.txt."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable; } > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt
	rm -rf $(LOCK_VENV)

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

# cfn-lint on every template of cdk.out: the parent stack and its nested stacks (decision 0030).
lint-templates: synth
	$(BIN)/python -m infra.lint_templates cdk.out

deploy: deps-layer xslt-layer pdf-layer
	PATH=$(CURDIR)/$(BIN):$$PATH npx --yes aws-cdk@2 deploy Klientportal-$(STAGE) \
		-c klientportal:stage=$(STAGE) -c klientportal:requireDepsLayer=true --require-approval broadening

clean:
	rm -rf $(VENV) cdk.out build .local
