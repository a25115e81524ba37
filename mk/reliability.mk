# Fault injection and soak on loopback and a private network namespace (issues 6 and 12). The
# suite is TypeScript on the shared harness (reliability/, harness/); results go to
# results/<utc-time>-reliability-<faults|soak>/ (git-ignored), with events.jsonl and the process logs.

.PHONY: reliability-deps reliability soak

reliability-deps: ## Install redis-server, iproute2, iptables and prlimit from Debian if missing
	@$(ROOT)/scripts/apt-ensure.sh redis-server:redis-server redis-cli:redis-tools ip:iproute2 \
	  iptables:iptables prlimit:util-linux

reliability: build reliability-deps ## Bad-input property tests, then faults under load: Redis kill/stall/cut, Sentinel failovers (requested, kill, hang, replica), SIGTERM/SIGKILL, slow clients; table, exit 1 on a broken guarantee
	cd $(ROOT) && npx vitest run app/test/bad-input.test.ts reliability/lib
	@node $(ROOT)/reliability/faults.ts

soak: build reliability-deps ## Steady load for SOAK_SECONDS (600): slopes of RSS, heap, event-loop lag and open fds
	@SOAK_SECONDS=$${SOAK_SECONDS:-600} node $(ROOT)/reliability/soak.ts
