# xwing: run `make` (or `make help`) for the list of targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TOOLS := $(ROOT)/.tools
BIN := $(TOOLS)/bin
NODE_BIN := $(TOOLS)/node/bin
export PATH := $(BIN):$(NODE_BIN):$(PATH)

.PHONY: help
help: ## List the targets with what they do
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_.-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

include $(sort $(wildcard $(ROOT)/mk/*.mk))

.PHONY: test
test: lint lint-openapi typecheck test-generated coverage test-chart test-ops ## Lint (code and API contract), types, generated files current, every unit test (one vitest run, the app's with coverage), chart checks, dashboard and alerts against Prometheus
