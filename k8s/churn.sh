#!/usr/bin/env bash
# Bounded pod churn for xwing: deletes one random API pod every INTERVAL seconds for DURATION
# seconds, optionally finishing with a `kubectl rollout restart`, so that load tests can show
# sessions surviving pods coming and going. Stops by itself; Ctrl-C stops it early.
#
#   k8s/churn.sh [-n NAMESPACE] [-r RELEASE] [-i INTERVAL_S] [-d DURATION_S] [-R] [-c CONTEXT]
#     -n  namespace (default xwing)      -r  Helm release (default xwing)
#     -i  seconds between deletions (default 20, at least 5)
#     -d  total seconds (default 120, at most 3600)
#     -R  end with `kubectl rollout restart` of the API Deployment and wait for it
#     -c  kubectl context (default: the current one)
set -euo pipefail

namespace=xwing release=xwing interval=20 duration=120 restart=false context=""
while getopts "n:r:i:d:Rc:h" opt; do
  case "$opt" in
    n) namespace="$OPTARG" ;;
    r) release="$OPTARG" ;;
    i) interval="$OPTARG" ;;
    d) duration="$OPTARG" ;;
    R) restart=true ;;
    c) context="$OPTARG" ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
for v in "$interval" "$duration"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "churn: -i and -d take whole seconds, got '$v'" >&2; exit 2; }
done
# The floor keeps a real cluster from being emptied faster than pods can restart; the test of
# this script lowers it to finish in seconds.
min_interval="${CHURN_MIN_INTERVAL_S:-5}"
if [ "$interval" -lt "$min_interval" ] || [ "$duration" -gt 3600 ] || [ "$duration" -lt "$interval" ]; then
  echo "churn: need $min_interval <= interval <= duration <= 3600 seconds" >&2
  exit 2
fi

kc() { kubectl --namespace "$namespace" ${context:+--context "$context"} "$@"; }
# shellcheck source-path=SCRIPTDIR source=lib/pods.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pods.sh"
selector="app.kubernetes.io/instance=$release,app.kubernetes.io/component=api"

log() { printf '%s churn: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
ready_count() {
  kc get pods -l "$selector" \
    -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}{"|"}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    grep -c '^|True$' || true
}

if [ -z "$(kc get pods -l "$selector" -o name)" ]; then
  echo "churn: no pods match $selector in namespace $namespace" >&2
  exit 1
fi

# Deletions at 0, i, 2i, ... while inside the duration: ceil(duration / interval) rounds,
# paced by the clock so that slow kubectl calls do not stretch the run.
rounds=$(((duration + interval - 1) / interval))
now_ms() { date +%s%3N; }
start_ms="$(now_ms)"
deleted=0
log "deleting one of $selector every ${interval}s for ${duration}s ($rounds rounds)"
for ((round = 1; round <= rounds; round++)); do
  read -r victim running < <(delete_random_pod "$selector") || true
  if [ -z "${victim:-}" ]; then
    log "round $round: no running pod to delete"
  else
    deleted=$((deleted + 1))
    log "round $round: deleted $victim ($running were running, $(ready_count) ready now)"
  fi
  [ "$round" -lt "$rounds" ] || break
  wait_ms=$((start_ms + round * interval * 1000 - $(now_ms)))
  if [ "$wait_ms" -gt 0 ]; then
    sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
  fi
done

if [ "$restart" = true ]; then
  deployment="$(kc get deployment -l "$selector" -o jsonpath='{.items[0].metadata.name}')"
  log "rollout restart of deployment/$deployment"
  kc rollout restart "deployment/$deployment" >/dev/null
  kc rollout status "deployment/$deployment" --timeout=300s
fi
log "done: $deleted pods deleted, $(ready_count) ready"
