# A test suite of its own that .ci/run calls: the skaffold.yaml checks, kept out of test-chart so
# that the chart suite needs no skaffold build.

.PHONY: test-skaffold

test-skaffold: tools ## skaffold.yaml checks: every profile valid and keeping the Helm release, offline render with the built tag
	bash $(ROOT)/test/chart/run.sh skaffold
