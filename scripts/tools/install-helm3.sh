#!/usr/bin/env bash
# Installs a pinned Helm 3 into .tools/skaffold-helm for skaffold only: skaffold v2.16.1, the
# newest on the Go module proxy, runs `helm version --client`, which Helm 4 removed. Built
# with the ldflags of Helm's own Makefile, without which `helm template` would assume
# Kubernetes v1.20 and refuse the chart's kubeVersion.
set -euo pipefail

version="${HELM3_VERSION:-v3.22.0}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$root/.tools/skaffold-helm"
stamp="$dir/.helm.version"

if [ -x "$dir/helm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
module_dir="$(go mod download -json "helm.sh/helm/v3@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
client_go="$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$module_dir/go.mod")"
if [ -z "$client_go" ]; then
  echo "install-helm3: no k8s.io/client-go version in helm $version's go.mod" >&2
  exit 1
fi
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$version"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags="$ldflags -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$client_go"
done
mkdir -p "$dir"
GOBIN="$dir" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$version"
echo "$version" >"$stamp"
echo "installed helm $version (for skaffold) into $dir"
