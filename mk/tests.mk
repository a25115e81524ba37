# Test suites of their own that `make test` or .ci/run call: the run report's unit tests, and the
# skaffold.yaml checks, kept out of test-chart so that the chart suite needs no skaffold build.

.PHONY: test-report test-skaffold

test-report: node system-deps ## Unit tests of the run report (loadtest/report, node --test)
	node --test $(ROOT)/loadtest/report/report.test.mjs

test-skaffold: tools ## skaffold.yaml checks: every profile valid and keeping the Helm release, offline render with the built tag
	bash $(ROOT)/test/chart/run.sh skaffold
