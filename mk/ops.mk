# Operating the service: the chart's Grafana dashboard and PrometheusRule, tested against the real
# Prometheus tools (built from the pinned Prometheus Go module into .tools/bin).

PROMETHEUS_MODULE_VERSION := v0.316.0

.PHONY: prometheus-tools test-rules test-dashboard test-ops dashboard-picture

prometheus-tools: ## Build the pinned prometheus and promtool (Prometheus 3.16) into .tools/bin
	PROMETHEUS_MODULE_VERSION=$(PROMETHEUS_MODULE_VERSION) bash $(ROOT)/scripts/tools/install-prometheus.sh

test-rules: chart-tools prometheus-tools ## promtool check and unit tests of the chart's rendered PrometheusRule
	bash $(ROOT)/test/ops/run.sh

test-dashboard: deps system-deps prometheus-tools test-rules ## A live Prometheus scrapes two app processes under load; every dashboard query must return data
	cd $(ROOT) && npx vitest run --config test/ops/vitest.config.ts

test-ops: test-rules test-dashboard ## Dashboard and alerts against real Prometheus: rule unit tests, live dashboard queries

dashboard-picture: build system-deps prometheus-tools test-rules ## Draw docs/dashboard.png: the dashboard's panels from a 2-minute loopback run (rsvg-convert)
	@$(ROOT)/scripts/apt-ensure.sh rsvg-convert:librsvg2-bin
	cd $(ROOT) && "$(NODE_BIN)/node" test/ops/picture.ts .run/ops/dashboard.svg docs/dashboard.png
