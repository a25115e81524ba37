# Container image, Helm chart, kind cluster and skaffold targets (see charts/xwing, k8s/).

KUBE_VERSION_PKG := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' $(ROOT)/package.json)
IMAGE ?= xwing
IMAGE_TAG ?= $(KUBE_VERSION_PKG)
RELEASE ?= xwing
NAMESPACE ?= xwing
KIND_CLUSTER := xwing
HELM_ARGS ?=

KUBECONFORM_VERSION := v0.8.0
KIND_VERSION := v0.33.0
# skaffold v2.16.1, the newest on the Go module proxy, still runs `helm version --client`,
# which Helm 4 removed (skaffold supports Helm 4 from v2.17). skaffold therefore finds a pinned
# Helm 3 first on its PATH; helm itself stays Helm 4 everywhere else.
HELM3_VERSION := v3.22.0
SKAFFOLD_HELM_DIR := $(TOOLS)/skaffold-helm
SKAFFOLD := PATH="$(SKAFFOLD_HELM_DIR):$$PATH" skaffold

.PHONY: tools chart-tools docker-up base-images image image-smoke image-rss kind-up kind-down deploy helm-test dev undeploy manifests test-chart

chart-tools: ## Install pinned helm 4, kubectl 1.35 and kubeconform into .tools/ (what the chart checks need)
	bash $(ROOT)/scripts/tools/install-kubectl-helm.sh
	bash $(ROOT)/scripts/tools/install-go-tool.sh kubeconform github.com/yannh/kubeconform/cmd/kubeconform $(KUBECONFORM_VERSION)

tools: chart-tools ## Install pinned helm 4, kubectl 1.35, kubeconform, kind and skaffold (+ its Helm 3) into .tools/
	bash $(ROOT)/scripts/tools/install-go-tool.sh kind sigs.k8s.io/kind $(KIND_VERSION)
	bash $(ROOT)/scripts/tools/install-skaffold.sh
	HELM3_VERSION=$(HELM3_VERSION) bash $(ROOT)/scripts/tools/install-helm3.sh

docker-up: ## Start a Docker daemon if none answers (installs docker.io when missing)
	bash $(ROOT)/scripts/docker-up.sh

base-images: docker-up ## Offline only: build local stand-ins for node:24-bookworm-slim, distroless cc and redis (debootstrap + npm)
	bash $(ROOT)/images/build-base-images.sh

image: docker-up ## Build the runtime image, tagged with the package.json version (never :latest)
	@test -n "$(IMAGE_TAG)" || { echo "image: no version in package.json" >&2; exit 1; }
	docker build --build-arg BUILD_COMMIT="$$(git -C $(ROOT) rev-parse --short=12 HEAD 2>/dev/null || echo unknown)" \
	  -t $(IMAGE):$(IMAGE_TAG) $(ROOT)
	@docker image inspect -f '$(IMAGE):$(IMAGE_TAG) {{.Size}} bytes' $(IMAGE):$(IMAGE_TAG)

image-smoke: image ## Run the image read-only next to Redis: start-to-ready time, PID 1, login, SIGTERM exit 0
	bash $(ROOT)/images/smoke-test.sh $(IMAGE):$(IMAGE_TAG)

image-rss: image bench-deps ## The image under the chart's memory limit and make bench's load: req/s, CPU µs/request, peak RSS
	bash $(ROOT)/images/rss-under-load.sh $(IMAGE):$(IMAGE_TAG)

kind-up: tools docker-up ## Create the kind cluster (1 control plane, 2 workers) with metrics-server
	@if kind get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)'; then \
	  echo "kind cluster $(KIND_CLUSTER) exists"; \
	else \
	  kind create cluster --config $(ROOT)/k8s/kind/cluster.yaml --wait 180s; \
	fi
	kubectl --context kind-$(KIND_CLUSTER) apply -f $(ROOT)/k8s/metrics-server/metrics-server.yaml
	kubectl --context kind-$(KIND_CLUSTER) -n kube-system rollout status deployment/metrics-server --timeout=180s

kind-down: tools ## Delete the kind cluster
	kind delete cluster --name $(KIND_CLUSTER)

deploy: tools image ## Load the images into the current cluster (local, kind, minikube) and helm upgrade --install the chart
	@bash $(ROOT)/e2e/cluster-images.sh load $(IMAGE):$(IMAGE_TAG); \
	extra=(); \
	if [ "$$(bash $(ROOT)/e2e/cluster-images.sh context)" = kind ]; then extra=(-f $(ROOT)/k8s/kind/values.yaml); fi; \
	helm upgrade --install $(RELEASE) $(ROOT)/charts/xwing --namespace $(NAMESPACE) --create-namespace \
	  --wait --timeout 5m --set image.repository=$(IMAGE) --set image.tag=$(IMAGE_TAG) "$${extra[@]}" $(HELM_ARGS)

helm-test: tools ## Run the chart's helm test (register, log in, read the session through the Service)
	helm test $(RELEASE) --namespace $(NAMESPACE) --logs --timeout 2m

# On the local cluster, as in make e2e: the build uses the offline base images, and the chart's
# Redis image is imported into the cluster (skaffold pushes only the app's image, to its registry).
dev: tools docker-up ## skaffold dev: dev image, file sync of app/src, port-forward to 127.0.0.1:8080
	@if [ "$$(bash $(ROOT)/e2e/cluster-images.sh context 2>/dev/null)" = local ]; then \
	  $(MAKE) --no-print-directory base-images && bash $(ROOT)/e2e/cluster-images.sh load; \
	fi
	$(SKAFFOLD) dev --port-forward=user

undeploy: tools ## helm uninstall the release (the Redis PVC is kept; see the message)
	helm uninstall $(RELEASE) --namespace $(NAMESPACE) --wait
	@echo "The Redis data PVC stays; drop it with: kubectl -n $(NAMESPACE) delete pvc -l app.kubernetes.io/instance=$(RELEASE)"

manifests: tools ## Render plain manifests for kubectl-only users into k8s/manifests/xwing.yaml
	bash $(ROOT)/k8s/manifests/render.sh > $(ROOT)/k8s/manifests/xwing.yaml

test-chart: chart-tools ## Chart checks: lint, rendered variants with assertions, kubeconform, schema rejections, Redis pod scripts
	bash $(ROOT)/test/chart/run.sh
