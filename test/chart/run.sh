#!/usr/bin/env bash
# Usage: run.sh [chart|skaffold]
# chart (default): chart checks, offline: helm lint, a matrix of helm template renders with
# assertions, kubeconform against Kubernetes' own API schemas, values-schema rejections, the plain
# manifests in k8s/.
# skaffold: skaffold.yaml is valid for skaffold in every profile and renders the chart offline.
# Expects the pinned tools in .tools/bin (make tools).
set -euo pipefail

suite="${1:-chart}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${XWING_CACHE:-$HOME/.cache/xwing}"
k8s_version=1.35.4
po_version=v0.85.0
schemas="$cache/kubeconform-schemas/k8s-v$k8s_version+prometheus-operator-$po_version"
out="$root/.run/$suite"
export PATH="$root/.tools/bin:$PATH" PYTHONDONTWRITEBYTECODE=1

case "$suite" in
  chart) tools=(helm kubeconform go) ;;
  skaffold) tools=(helm skaffold "$root/.tools/skaffold-helm/helm") ;;
  *) echo "usage: $0 [chart|skaffold]" >&2; exit 2 ;;
esac
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "test-$suite: $tool is missing (run make tools)" >&2; exit 1; }
done

# Debian's python3 with PyYAML; installed from Debian if the machine lacks it.
python=/usr/bin/python3
if ! "$python" -c 'import yaml' 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-yaml >/dev/null
fi

rm -rf "$out"
mkdir -p "$out"
if [ "$suite" = skaffold ]; then
  exec "$python" "$root/test/chart/skaffold_test.py" --root "$root" --chart "$root/charts/xwing" \
    --out "$out" --skaffold-helm "$root/.tools/skaffold-helm"
fi

# Kubernetes publishes its OpenAPI document inside the k8s.io/kubernetes module, and the
# Prometheus Operator its CRDs inside its module: both come through the Go module proxy,
# once, and the schemas made from them are cached.
# The CRDs whose schemas the chart's objects need; the cache is remade when the list changes.
crds="servicemonitors prometheusrules"
if [ "$(cat "$schemas/.complete" 2>/dev/null)" != "$crds" ]; then
  tmp="$(mktemp -d)"
  trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
  module_dir() {
    GOMODCACHE="$tmp/mod" GOFLAGS=-modcacherw go mod download -json "$1" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
  }
  k8s_dir="$(module_dir "k8s.io/kubernetes@v$k8s_version")"
  po_dir="$(module_dir "github.com/prometheus-operator/prometheus-operator@$po_version")"
  rm -rf "$schemas"
  "$python" "$root/test/chart/k8s_schemas.py" "$k8s_dir/api/openapi-spec/swagger.json" \
    "$schemas/v$k8s_version-standalone-strict" \
    $(for crd in $crds; do echo "$po_dir/example/prometheus-operator-crd/monitoring.coreos.com_$crd.yaml"; done)
  echo "$crds" >"$schemas/.complete"
fi

"$python" "$root/test/chart/chart_test.py" --root "$root" --chart "$root/charts/xwing" \
  --schemas "$schemas" --out "$out"
