#!/usr/bin/env bash
# The one place that knows how images reach each kind of cluster (make deploy and make e2e use it):
#   cluster-images.sh context       prints local, kind, minikube or other for the current kube context
#   cluster-images.sh load IMAGE    loads IMAGE and the chart's Redis image into the current cluster
#   cluster-images.sh load          loads the chart's Redis image only (skaffold delivers the app's own)
# local (make cluster-up) imports into its containerd (XWING_STATE, default .run/cluster); kind and
# minikube use their own loaders; any other cluster must be able to pull the images itself. The Redis
# image is loaded only when docker has it (offline stand-in); a cluster that can pull it does so.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.tools/bin:$PATH"

context() {
  case "$(kubectl config current-context)" in
    xwing-local) echo local ;;
    kind-*) echo kind ;;
    minikube) echo minikube ;;
    *) echo other ;;
  esac
}

redis_image() {
  helm show values "$ROOT/charts/xwing" --jsonpath '{.redis.image.repository}:{.redis.image.tag}'
}

load() {
  local redis ctx one images=("$@")
  redis="$(redis_image)"
  if docker image inspect "$redis" >/dev/null 2>&1; then images+=("$redis"); fi
  ((${#images[@]})) || return 0
  ctx="$(kubectl config current-context)"
  case "$(context)" in
    local)
      docker save "${images[@]}" |
        ctr --address "${XWING_STATE:-$ROOT/.run/cluster}/containerd/containerd.sock" -n k8s.io images import - ;;
    kind)
      for one in "${images[@]}"; do kind load docker-image --name "${ctx#kind-}" "$one"; done ;;
    minikube)
      for one in "${images[@]}"; do minikube image load "$one"; done ;;
    *)
      echo "cluster-images: context $ctx is not the local cluster, kind or minikube: it must be able to pull ${images[*]}" >&2 ;;
  esac
}

case "${1:-}" in
  context) context ;;
  load) shift; load "$@" ;;
  *) echo "usage: cluster-images.sh context | load [IMAGE]" >&2; exit 2 ;;
esac
