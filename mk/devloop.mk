# The skaffold dev loop proven on the local cluster (test/dev-loop/): skaffold dev builds, deploys,
# syncs an edit, shows a broken one and recovers, and cleans up on SIGINT; then skaffold run and
# delete. Results in results/<utc-time>-dev-loop/.

.PHONY: test-dev-loop

test-dev-loop: deps tools base-images ## skaffold dev on the local cluster (make cluster-up): build, deploy, sync, broken edit, SIGINT cleanup; then run + delete
	@XWING_STATE=$(XWING_STATE) $(LOCAL_CLUSTER)/status.sh >/dev/null 2>&1 || \
	  { echo "test-dev-loop: the local cluster is not running (make cluster-up)" >&2; exit 1; }
	@export KUBECONFIG=$(XWING_STATE)/kubeconfig; \
	  XWING_STATE=$(XWING_STATE) bash $(ROOT)/e2e/cluster-images.sh load && \
	  node $(ROOT)/test/dev-loop/run.ts
