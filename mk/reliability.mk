# Fault injection and soak on loopback and a private network namespace (issue 6). Scripts live
# in reliability/; results go to reliability/results/<utc-time>-<kind>/ (git-ignored).

.PHONY: reliability-deps reliability soak

reliability-deps: ## Install redis-server, iproute2, iptables and prlimit from Debian if missing
	@$(ROOT)/scripts/apt-ensure.sh redis-server:redis-server redis-cli:redis-tools ip:iproute2 \
	  iptables:iptables prlimit:util-linux

reliability: build reliability-deps ## Bad-input property tests, then the fault suite under load (Redis kill/stall/cut, SIGTERM/SIGKILL, slow clients): table, exit 1 on a broken guarantee
	cd $(ROOT) && npx vitest run app/test/bad-input.test.ts
	@node --test $(ROOT)/reliability/lib/stats.test.mjs
	@bash $(ROOT)/reliability/run.sh faults

soak: build reliability-deps ## Steady load for SOAK_SECONDS (600): slopes of RSS, heap, event-loop lag and open fds
	@SOAK_SECONDS=$${SOAK_SECONDS:-600} bash $(ROOT)/reliability/run.sh soak
