#!/usr/bin/env bash
# Builds the local cluster's Go components from the Go module proxy into a cache keyed by version,
# so only the first run on a machine pays for compilation (33 minutes on 2 cores, measured 2026-11-28).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/versions.env
. "$HERE/versions.env"

CACHE="${XWING_CACHE:-$HOME/.cache/xwing}/k8s"
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-p=${BUILD_JOBS:-2} -buildvcs=false -mod=mod"

log() { printf '[build %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# A component's binaries live in a directory named after its version; it only appears once the build
# finished, so an interrupted build is redone instead of trusted.
bin_dir() { printf '%s/%s-%s-%s/bin\n' "$CACHE" "$1" "$2" "$BUILD_RECIPE"; }

# $1 name, $2 version, $3 go.mod, $4 main.go (empty: none), $5 extra ldflags, then packages to build.
# A package "." is named after the last element of the module path in $3.
build_module() {
  local name="$1" version="$2" gomod="$3" maingo="$4" ldflags="$5"
  shift 5
  local out dir="$CACHE/src/$name-$version" started=$SECONDS
  out="$(bin_dir "$name" "$version")"
  if [[ -d "$out" ]]; then
    log "$name $version: cached in $out"
    return 0
  fi
  rm -rf "$dir" "$out.tmp"
  mkdir -p "$dir" "$out.tmp"
  printf '%s\n' "$gomod" >"$dir/go.mod"
  if [[ -n "$maingo" ]]; then
    printf '%s\n' "$maingo" >"$dir/main.go"
  fi
  log "$name $version: building $*"
  (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp/" "$@")
  mv "$out.tmp" "$out"
  log "$name $version: done in $((SECONDS - started))s: $(find "$out" -type f -printf '%f ')"
}

# k8s.io/kubernetes pins its staging modules (k8s.io/api, ...) at v0.0.0 with replace lines into its own
# tree; a dependency's replace lines are ignored, so point each at the published v0.<minor>.<patch>.
k8s_gomod() {
  local staging="v0.${K8S_VERSION#v1.}" proxy upstream
  proxy="$(go env GOPROXY)"
  proxy="${proxy%%,*}"
  upstream="$(curl -fsS --retry 3 --max-time 60 "$proxy/k8s.io/kubernetes/@v/$K8S_VERSION.mod")"
  printf 'module xwing.local/kubernetes\n\ngo 1.25.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
  grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' <<<"$upstream" |
    awk -v v="$staging" '{ printf "\t%s => %s %s\n", $1, $1, v }'
  printf ')\n'
}

build_kubernetes() {
  local minor="${K8S_VERSION#v1.}" built ldflags="" pkg
  minor="${minor%%.*}"
  built="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  # Without these the binaries report v0.0.0-master, which breaks version checks in kubectl and helm.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$built"
  done
  local gomod=""
  if [[ ! -d "$(bin_dir kubernetes "$K8S_VERSION")" ]]; then
    gomod="$(k8s_gomod)"
  fi
  build_module kubernetes "$K8S_VERSION" "$gomod" "" "$ldflags" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
    k8s.io/kubernetes/cmd/kubectl
}

build_etcd() {
  build_module etcd "$ETCD_VERSION" \
    "$(printf 'module xwing.local/etcd\n\ngo 1.25.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION")" \
    "$(printf '%s\n' 'package main' '' 'import (' '	"os"' '' '	"go.etcd.io/etcd/server/v3/etcdmain"' ')' '' \
      'func main() { etcdmain.Main(os.Args) }')" \
    "" .
}

# Only the plugins the cluster's Corefile uses: the stock plugin list drags in every cloud SDK.
build_coredns() {
  build_module coredns "$COREDNS_VERSION" \
    "$(printf 'module xwing.local/coredns\n\ngo 1.25.0\n\nrequire github.com/coredns/coredns %s\n' "$COREDNS_VERSION")" \
    "$(printf '%s\n' 'package main' '' 'import (' \
      '	"github.com/coredns/coredns/core/dnsserver"' \
      '	"github.com/coredns/coredns/coremain"' '' \
      '	_ "github.com/coredns/coredns/plugin/cache"' \
      '	_ "github.com/coredns/coredns/plugin/errors"' \
      '	_ "github.com/coredns/coredns/plugin/health"' \
      '	_ "github.com/coredns/coredns/plugin/kubernetes"' \
      '	_ "github.com/coredns/coredns/plugin/loadbalance"' \
      '	_ "github.com/coredns/coredns/plugin/log"' \
      '	_ "github.com/coredns/coredns/plugin/loop"' \
      '	_ "github.com/coredns/coredns/plugin/ready"' \
      '	_ "github.com/coredns/coredns/plugin/reload"' \
      ')' '' 'func init() {' \
      '	dnsserver.Directives = []string{"reload", "errors", "log", "health", "ready", "kubernetes", "cache", "loop", "loadbalance"}' \
      '}' '' 'func main() { coremain.Run() }')" \
    "" .
}

build_metrics_server() {
  build_module metrics-server "$METRICS_SERVER_VERSION" \
    "$(printf 'module xwing.local/metrics-server\n\ngo 1.26.0\n\nrequire sigs.k8s.io/metrics-server %s\n' "$METRICS_SERVER_VERSION")" \
    "" "-X sigs.k8s.io/metrics-server/pkg/version.gitVersion=$METRICS_SERVER_VERSION" \
    sigs.k8s.io/metrics-server/cmd/metrics-server
}

# The sandbox ("pause") container only has to sleep until signalled and reap orphans; a static Go binary
# does that without a C toolchain in the image.
build_pause() {
  build_module pause "$BUILD_RECIPE" \
    "$(printf 'module xwing.local/pause\n\ngo 1.25.0\n')" \
    "$(cat <<'GO'
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
GO
)" "" .
}

main() {
  mkdir -p "$CACHE/src"
  local started=$SECONDS
  build_pause
  build_etcd
  build_kubernetes
  build_coredns
  build_metrics_server
  log "all components ready in $((SECONDS - started))s"
}

main "$@"
