# k6 load tests, the loopback fleet mode and the run report (issue 4). Scripts live in loadtest/.

K6_VERSION ?= v1.8.1
K6 := $(BIN)/k6
# Go's caches live outside the clone so a fresh clone (CI) rebuilds k6 from cache in seconds.
XWING_CACHE ?= $(HOME)/.cache/xwing
# Which run `make report` renders; unless told, the newest run folder with a k6 stream (results/ also
# holds the other suites' runs, which have no report to render).
RUN ?= $(dir $(lastword $(sort $(wildcard $(ROOT)/results/*/k6-*.json.gz))))
BASE_URL ?= http://127.0.0.1:8080

.PHONY: k6 load-deps load-smoke fleet-churn test-fleet load churn report

k6: ## Install the pinned k6 into .tools/bin (go install; idempotent)
	@if [ -x "$(K6)" ] && "$(K6)" version 2>/dev/null | grep -q "$(K6_VERSION)"; then \
	  echo "k6 $(K6_VERSION) already installed"; \
	else \
	  mkdir -p "$(BIN)" "$(XWING_CACHE)/go-build" "$(XWING_CACHE)/go-mod"; \
	  GOBIN="$(BIN)" GOCACHE="$(XWING_CACHE)/go-build" GOMODCACHE="$(XWING_CACHE)/go-mod" GOFLAGS=-modcacherw \
	    go install "go.k6.io/k6@$(K6_VERSION)"; \
	  "$(K6)" version; \
	fi

load-deps: ## Install nginx, redis-server and rsvg-convert from Debian if missing (fleet mode, report PNG)
	@$(ROOT)/scripts/apt-ensure.sh nginx:nginx redis-server:redis-server redis-cli:redis-tools rsvg-convert:librsvg2-bin

load-smoke: k6 ## k6 smoke test: every endpoint once against BASE_URL (default: make run's)
	@run="$(ROOT)/results/$$(date -u +%Y%m%dT%H%M%SZ)-smoke"; mkdir -p "$$run"; \
	  RUN_DIR="$$run" BASE_URL="$(BASE_URL)" "$(K6)" run --quiet --out "json=$$run/k6-smoke.json.gz" "$(ROOT)/loadtest/smoke.js"

fleet-churn: k6 load-deps build ## Churn without Kubernetes: N apps behind nginx, SIGTERM/SIGKILL/Redis restart (FLEET_REDIS=replication: a failover), report
	@"$(NODE_BIN)/node" "$(ROOT)/loadtest/fleet/run.ts"

test-fleet: k6 load-deps build ## Short bounded fleet-churn for CI (fails when a threshold fails)
	@DURATION=$${DURATION:-50s} CHAOS_ROUNDS=$${CHAOS_ROUNDS:-4} CHAOS_WARMUP_S=5 CHAOS_INTERVAL_S=4 \
	  "$(NODE_BIN)/node" "$(ROOT)/loadtest/fleet/run.ts"

load: k6 load-deps node ## k6 scale-out on the cluster (KUBECONFIG, XWING_NAMESPACE, XWING_RELEASE) with the sampler
	@"$(NODE_BIN)/node" "$(ROOT)/loadtest/cluster/run.ts" scale-out

churn: k6 load-deps node ## k6 churn on the cluster: pod deletions, one rollout restart, one Redis pod deletion (with replication: the primary's, failover marked)
	@"$(NODE_BIN)/node" "$(ROOT)/loadtest/cluster/run.ts" churn

report: node load-deps ## Render RUN (default: the newest load run in results/) as report.html, report.png and summary.md
	@[ -n "$(RUN)" ] || { echo "no load run under results/; run make fleet-churn first" >&2; exit 2; }
	@"$(NODE_BIN)/node" "$(ROOT)/loadtest/report/report.ts" "$(RUN)"
