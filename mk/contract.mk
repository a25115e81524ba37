# The API contract: docs/openapi.json from the code (make openapi; a vitest test fails while it is
# stale), its lint (Redocly CLI, part of `make test`), and Schemathesis against the built service
# on a real Redis (make test-contract). Each tool is pinned and installed into .tools/ by its target.

REDOCLY_VERSION := 2.77.0
REDOCLY_DIR := $(TOOLS)/redocly
REDOCLY_STAMP := $(REDOCLY_DIR)/.installed-$(REDOCLY_VERSION)
CONTRACT_DIR := $(ROOT)/app/test/contract
CONTRACT_VENV := $(TOOLS)/venv
SCHEMATHESIS_STAMP := $(CONTRACT_VENV)/.installed-requirements
# Redocly CLI would otherwise send usage data and look for a newer release on every run.
REDOCLY_ENV := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

.PHONY: openapi redocly lint-openapi schemathesis test-contract

openapi: deps ## Write docs/openapi.json from the code's zod schemas (what GET /openapi.json serves, default settings)
	node $(CONTRACT_DIR)/write-openapi.ts

$(REDOCLY_STAMP): | node
	rm -rf $(REDOCLY_DIR)
	npm install --prefix $(REDOCLY_DIR) --no-audit --no-fund --loglevel=error @redocly/cli@$(REDOCLY_VERSION)
	@touch $@

redocly: $(REDOCLY_STAMP) ## Install the pinned Redocly CLI into .tools/redocly (npm)

lint-openapi: $(REDOCLY_STAMP) ## Lint docs/openapi.json (Redocly CLI, recommended rules, warnings fail)
	$(REDOCLY_ENV) $(REDOCLY_DIR)/node_modules/.bin/redocly lint $(ROOT)/docs/openapi.json --config $(CONTRACT_DIR)/redocly.yaml

$(SCHEMATHESIS_STAMP): $(CONTRACT_DIR)/requirements.txt
	python3 -m venv $(CONTRACT_VENV)
	$(CONTRACT_VENV)/bin/pip install --quiet --disable-pip-version-check --requirement $<
	@touch $@

schemathesis: $(SCHEMATHESIS_STAMP) ## Install the pinned Schemathesis into .tools/venv (pip, from PyPI)

test-contract: build system-deps $(SCHEMATHESIS_STAMP) ## Schemathesis (all checks and phases) against dist/server.js on a real Redis; reports in results/<time>-contract/
	node $(CONTRACT_DIR)/run.ts
