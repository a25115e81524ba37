#!/usr/bin/env bash
# Entry point of `make reliability` and `make soak`: checks the tools, makes the run folder
# (reliability/results/<utc-time>-<kind>/, git-ignored), runs the Node harness, and on any exit
# stops every process the harness recorded (by PID, from .run/reliability/pids) and removes the
# network namespace, so an interrupted run leaves nothing behind.
#   run.sh faults | soak
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIND=${1:-}
case "$KIND" in
  faults) script=faults.mjs ;;
  soak) script=soak.mjs ;;
  *)
    echo "usage: $0 faults|soak" >&2
    exit 2
    ;;
esac

export RELIABILITY_STATE=${RELIABILITY_STATE:-$ROOT/.run/reliability/$KIND}
export RELIABILITY_NETNS=${RELIABILITY_NETNS:-xwing-rel}

die() {
  echo "reliability: $*" >&2
  exit 1
}

for tool in node redis-server redis-cli ip iptables prlimit; do
  command -v "$tool" >/dev/null || die "$tool not found (run through make, which installs it)"
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 24)) || die "node $node_major on PATH; the project runs on Node 24 (run through make)"
[[ -f $ROOT/dist/server.js ]] || die "dist/server.js missing (make build)"
if [[ $KIND == faults && $(id -u) -ne 0 ]] && ! sudo -n true 2>/dev/null; then
  die "the connection-cut fault needs root or password-less sudo for ip netns and iptables"
fi

RUN_DIR="$ROOT/reliability/results/$(date -u +%Y%m%dT%H%M%SZ)-$KIND"
mkdir -p "$RUN_DIR"
export RELIABILITY_RUN_DIR=$RUN_DIR

node_pid=
# shellcheck disable=SC2317 # reached through the EXIT trap
cleanup() {
  local pidfile pid
  if [[ -n $node_pid ]]; then kill -TERM "$node_pid" 2>/dev/null || true; fi
  for pidfile in "$RELIABILITY_STATE"/pids/*.pid; do
    [[ -e $pidfile ]] || continue
    pid=$(<"$pidfile")
    if [[ $pid =~ ^[0-9]+$ ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$pidfile"
  done
  if [[ $KIND == faults ]]; then "$ROOT/reliability/netns.sh" down; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# In the background and waited for: bash runs a trap only once a foreground command returns, so
# Ctrl-C would otherwise wait for the whole suite.
node "$ROOT/reliability/$script" &
node_pid=$!
status=0
wait "$node_pid" || status=$?
node_pid=
cp -r "$RELIABILITY_STATE/logs" "$RUN_DIR/" 2>/dev/null || true
exit "$status"
