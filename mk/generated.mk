# Files generated from one source, and the check that they are current (part of `make test`):
# the chart's `config` schema and values and the README's configuration table from the app's zod
# schema (scripts/generate/), and the chart README's values table from values.yaml's `# --`
# comments (helm-docs).

HELM_DOCS_VERSION := v1.14.2
HELM_DOCS := $(BIN)/helm-docs
CHART_DIR := $(ROOT)/charts/xwing
# File order keeps related keys together. (--documentation-strict-mode would flag undocumented
# values, but v1.14.2 flags every value: norwoodj/helm-docs#228.)
HELM_DOCS_ARGS := --chart-search-root $(CHART_DIR) --sort-values-order file --log-level warning

.PHONY: helm-docs generate test-generated

helm-docs: ## Install the pinned helm-docs into .tools/bin (go install)
	@bash $(ROOT)/scripts/tools/install-go-tool.sh helm-docs github.com/norwoodj/helm-docs/cmd/helm-docs $(HELM_DOCS_VERSION)

generate: deps helm-docs ## Write the generated files: chart config schema + values and the README config table from app/src/config.ts, chart README table
	node $(ROOT)/scripts/generate/chart-config.ts
	$(HELM_DOCS) $(HELM_DOCS_ARGS)

test-generated: deps helm-docs ## Fail when a generated file differs from what its source produces (fix: make generate)
	node $(ROOT)/scripts/generate/chart-config.ts --check
	@$(HELM_DOCS) $(HELM_DOCS_ARGS) --dry-run | diff -u $(CHART_DIR)/README.md - >&2 \
	  || { echo "charts/xwing/README.md differs from helm-docs' output (above): run make generate" >&2; exit 1; }
	@echo "charts/xwing/README.md: current"
