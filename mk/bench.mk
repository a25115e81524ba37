# Side-by-side benchmark of the service against baselines (issue 5) and of its Sentinel mode against
# standalone (issue 12). Sources in bench/ (TypeScript on the harness), results in
# results/<utc>-bench[-smoke|-profile]/ (git-ignored). Knobs: BENCH_ROUNDS, BENCH_DURATION_S,
# BENCH_WARMUP_S, BENCH_CONNECTIONS, BENCH_RATE, BENCH_VARIANTS (1..11), BENCH_XWING_ENV (K=V,...
# for the service only), XWING_ROOT (another checkout's dist/, e.g. a patched worktree). See
# bench/README.md.

BENCH_DIR := $(ROOT)/bench
BENCH_DEPS_STAMP := $(BENCH_DIR)/node_modules/.package-lock.json

.PHONY: bench-deps bench bench-smoke bench-profile

$(BENCH_DEPS_STAMP): $(BENCH_DIR)/package.json $(BENCH_DIR)/package-lock.json | node
	npm ci --prefix "$(BENCH_DIR)" --no-audit --no-fund
	@touch $@

bench-deps: $(BENCH_DEPS_STAMP) ## Install the bench's own npm deps (bench/package-lock.json) and wrk, redis-server
	@$(ROOT)/scripts/apt-ensure.sh wrk:wrk redis-server:redis-server redis-cli:redis-tools taskset:util-linux

bench: build bench-deps ## Full benchmark: 11 variants x 3 rounds (the common stack, the GETEX limit, Sentinel mode, tracing), cold start, image size (~15 min, needs 2 CPUs)
	@node "$(BENCH_DIR)/bench.ts"

bench-smoke: build bench-deps ## Short bench run for CI (about a minute): fails if a variant does not start or serves errors
	@BENCH_SMOKE=1 node "$(BENCH_DIR)/bench.ts"

bench-profile: build bench-deps ## CPU profiles (node --cpu-prof) of xwing and the GETEX limit at saturation: µs per request by layer, by package
	@BENCH_PROFILE=1 node "$(BENCH_DIR)/bench.ts"
