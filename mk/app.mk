# The service itself: Node runtime, dependencies, build, run, lint and unit/integration tests.

NODE_VERSION ?= 24.21.0
DEPS_STAMP := $(ROOT)/node_modules/.package-lock.json

.PHONY: node system-deps deps build run dev-local lint typecheck test-app coverage audit clean

node: ## Install the pinned Node.js 24 LTS into .tools/node (from the npm registry)
	@NODE_VERSION=$(NODE_VERSION) $(ROOT)/scripts/install-node.sh >/dev/null

system-deps: ## Install the Debian packages the service and its tests need (redis-server; rsvg-convert for the run report's PNG)
	@$(ROOT)/scripts/apt-ensure.sh redis-server:redis-server redis-cli:redis-tools rsvg-convert:librsvg2-bin

$(DEPS_STAMP): $(ROOT)/package.json $(ROOT)/package-lock.json | node
	cd $(ROOT) && npm ci --no-audit --no-fund
	@touch $@

deps: $(DEPS_STAMP) ## Install the npm dependencies (npm ci, when package-lock.json changed)

build: deps ## Compile TypeScript into dist/
	cd $(ROOT) && npm run --silent build

run: build system-deps ## Run the service on :8080 with a local Redis (REDIS=replication: 3 nodes + 3 Sentinels); Ctrl-C stops the app, then Redis
	@"$(NODE_BIN)/node" "$(ROOT)/harness/run-local.ts"

dev-local: deps system-deps ## Run the TypeScript sources (Node 24, whatever `node` your shell has) with a local Redis, restarting on change; Ctrl-C stops the app, then Redis
	@"$(NODE_BIN)/node" "$(ROOT)/harness/run-local.ts" --watch

lint: deps ## ESLint (typescript-eslint, type-aware)
	cd $(ROOT) && npx eslint .

typecheck: deps ## Type-check sources and tests (tsc --noEmit)
	cd $(ROOT) && npx tsc -p tsconfig.json

test-app: deps system-deps ## Unit and integration tests on a real redis-server (vitest)
	cd $(ROOT) && npx vitest run

coverage: deps system-deps ## Every vitest test (app, harness, reliability, run report), with the app's line coverage (coverage/)
	cd $(ROOT) && npx vitest run --coverage

audit: deps ## npm audit of the production dependencies
	cd $(ROOT) && npm audit --omit=dev

clean: ## Remove build output, coverage and run state (keeps .tools and caches)
	rm -rf $(ROOT)/dist $(ROOT)/coverage $(ROOT)/.run
