# Local single-node Kubernetes cluster built from upstream components (k8s/local-cluster/), and the
# end-to-end suite (e2e/) that runs against the current kube context.
LOCAL_CLUSTER := $(ROOT)/k8s/local-cluster
XWING_STATE ?= $(ROOT)/.run/cluster

.PHONY: cluster-build cluster-up cluster-down cluster-status e2e

cluster-build: ## Build the local cluster's components into ~/.cache/xwing (slow once, then cached)
	$(LOCAL_CLUSTER)/build.sh

cluster-up: ## Start the local Kubernetes cluster (kubeconfig in .run/cluster/kubeconfig)
	XWING_STATE=$(XWING_STATE) $(LOCAL_CLUSTER)/up.sh

cluster-down: ## Stop the local cluster and remove its processes, network, mounts and state
	XWING_STATE=$(XWING_STATE) $(LOCAL_CLUSTER)/down.sh

cluster-status: ## Show the local cluster's components, node and pods
	XWING_STATE=$(XWING_STATE) $(LOCAL_CLUSTER)/status.sh

# Without KUBECONFIG set, a running local cluster is preferred over ~/.kube/config.
e2e: tools node ## End-to-end suite on the current kube context (the local cluster if it runs): install, churn, upgrade
	@if [ -z "$${KUBECONFIG:-}" ] && XWING_STATE=$(XWING_STATE) $(LOCAL_CLUSTER)/status.sh >/dev/null 2>&1; then \
	  export KUBECONFIG=$(XWING_STATE)/kubeconfig; echo "e2e: using the local cluster ($$KUBECONFIG)"; \
	fi; \
	XWING_STATE=$(XWING_STATE) "$(NODE_BIN)/node" $(ROOT)/e2e/run.ts
