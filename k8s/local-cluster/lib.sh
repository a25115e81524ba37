# Shared settings and helpers of the local cluster scripts (sourced, not run).
# shellcheck shell=bash
# Variables here are used by the scripts that source this file.
# shellcheck disable=SC2034

LC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LC_DIR/../.." && pwd)"
# shellcheck source=SCRIPTDIR/versions.env
. "$LC_DIR/versions.env"

XWING_CACHE="${XWING_CACHE:-$HOME/.cache/xwing}"
XWING_STATE="${XWING_STATE:-$REPO_ROOT/.run/cluster}"
export XWING_CACHE XWING_STATE

CLUSTER_NAME=xwing-local
NODE_NAME=xwing-local
BRIDGE=xwbr0
POD_CIDR=10.244.0.0/24
# The node's address is the bridge gateway: every component that pods must reach (API server, kubelet)
# listens there or on loopback, never on the machine's own interfaces.
NODE_IP=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
FW_CHAIN=XWING-FORWARD
# The host-path provisioner hard-codes this directory (k8s.io/kubernetes pkg/volume/hostpath).
HOSTPATH_PV_DIR=/tmp/hostpath_pv
# The image registry skaffold pushes to and the cluster's containerd pulls from: loopback only, on the
# port kind's local-registry recipe uses, so image names read the same on both (localhost:5001/xwing).
REGISTRY_ADDR=127.0.0.1:5001
REGISTRY_HOST=localhost:5001

PKI="$XWING_STATE/pki"
LOGS="$XWING_STATE/logs"
PIDS="$XWING_STATE/pids"
CTR_SOCK="$XWING_STATE/containerd/containerd.sock"
KUBECONFIG_ADMIN="$XWING_STATE/kubeconfig"
CNI_BIN_DIR=/usr/lib/cni

K8S_BIN="$XWING_CACHE/k8s/kubernetes-$K8S_VERSION-$BUILD_RECIPE/bin"
ETCD_BIN="$XWING_CACHE/k8s/etcd-$ETCD_VERSION-$BUILD_RECIPE/bin"
COREDNS_BIN="$XWING_CACHE/k8s/coredns-$COREDNS_VERSION-$BUILD_RECIPE/bin"
METRICS_SERVER_BIN="$XWING_CACHE/k8s/metrics-server-$METRICS_SERVER_VERSION-$BUILD_RECIPE/bin"
PAUSE_BIN="$XWING_CACHE/k8s/pause-$BUILD_RECIPE-$BUILD_RECIPE/bin"

PAUSE_IMAGE="xwing.local/pause:$BUILD_RECIPE"
COREDNS_IMAGE="xwing.local/coredns:$COREDNS_VERSION"
METRICS_SERVER_IMAGE="xwing.local/metrics-server:$METRICS_SERVER_VERSION"
BUSYBOX_IMAGE="xwing.local/busybox:$BUILD_RECIPE"

log() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
ctr_k8s() { ctr --address "$CTR_SOCK" --namespace k8s.io "$@"; }

# Polls "$@" once a second until it succeeds; fails after $1 seconds with $2 as the reason.
wait_for() {
  local timeout="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 1
  done
}

# A PID file counts only while its process still runs the binary it was started with, so a recycled PID
# is never signalled.
pid_of() {
  local file="$PIDS/$1.pid" pid exe
  [[ -f "$file" ]] || return 1
  read -r pid exe _ <"$file"
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" ]] || return 1
  printf '%s\n' "$pid"
}

# $1 component; SIGTERM, then SIGKILL after $2 seconds (default 20).
stop_component() {
  local name="$1" grace="${2:-20}" pid
  if ! pid="$(pid_of "$name")"; then
    rm -f "$PIDS/$name.pid"
    return 0
  fi
  # Components start as session leaders (setsid), so their process group holds the helpers they spawn.
  kill -TERM -- "-$pid" 2>/dev/null || true
  if ! wait_for "$grace" "$name to exit" test ! -d "/proc/$pid"; then
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait_for 10 "$name to die" test ! -d "/proc/$pid" || log "$name (pid $pid) survived SIGKILL"
  fi
  rm -f "$PIDS/$name.pid"
  log "stopped $name"
}

# Writes stdin to $1 only when the content differs: some components (kube-proxy, containerd's CNI
# watcher) react to every write of their configuration.
write_file() {
  local file="$1" tmp
  tmp="$(mktemp "$file.XXXXXX")"
  cat >"$tmp"
  if cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
  else
    mv "$tmp" "$file"
  fi
}
