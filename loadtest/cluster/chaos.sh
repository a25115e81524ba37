#!/usr/bin/env bash
# chaos.sh RUN_DIR WATCH_PID: the cluster churn plan, bounded in rounds and time, stopping early when
# WATCH_PID (k6) ends. Every CHAOS_INTERVAL_S (20) seconds one random API pod is deleted; halfway
# through, one `kubectl rollout restart` of the API Deployment; later, one Redis pod is deleted: the
# Redis pod (standalone: its StatefulSet brings it back on the same volume with the append-only
# file), or with replication the primary's pod, as the Sentinels name it (its preStop hands the
# primary over). Each action is an event in RUN_DIR/events.jsonl, and with replication also the
# moment the Sentinels name the new primary (redis-failover).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/harness.sh
source "$ROOT/loadtest/lib/harness.sh"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$ROOT/loadtest/cluster/env.sh"

RUN_DIR=${1:?usage: chaos.sh RUN_DIR WATCH_PID}
WATCH_PID=${2:?usage: chaos.sh RUN_DIR WATCH_PID}
CHAOS_ROUNDS=${CHAOS_ROUNDS:-8}
CHAOS_WARMUP_S=${CHAOS_WARMUP_S:-30}
CHAOS_INTERVAL_S=${CHAOS_INTERVAL_S:-20}
ROLLOUT_ROUND=${ROLLOUT_ROUND:-$((CHAOS_ROUNDS / 2))}
REDIS_ROUND=${REDIS_ROUND:-$((CHAOS_ROUNDS * 3 / 4))}

deployment=$(kc get deploy -l "$API_SELECTOR" -o name | head -n1)
[[ -n $deployment ]] || die "no Deployment labelled $API_SELECTOR in $XWING_NAMESPACE"

# shellcheck source-path=SCRIPTDIR source=../../k8s/lib/pods.sh
source "$ROOT/k8s/lib/pods.sh"

churn_api_pod() {
  local victim running
  read -r victim running < <(delete_random_pod "$API_SELECTOR") || true
  if [[ -n ${victim:-} ]]; then event pod-delete "$victim" "of $running running"; else log "no running API pod to delete"; fi
}

# Redis pods other than $1 that run and are not being deleted.
other_redis_pods() { running_pods "$REDIS_SELECTOR" | grep -vx -- "$1" || true; }

# Polls a Sentinel that outlives the deletion (a few times a second, for about a minute) until it
# names a primary other than $1, and marks that moment.
mark_failover() {
  local old=$1 deleted_at=$2 witness now tries=200
  witness=$(other_redis_pods "$old" | head -n 1)
  [[ -n $witness ]] || die "no other Redis pod to ask who the primary is"
  until now=$(sentinel_primary "$witness") && [[ -n $now && $now != "$old" ]]; do
    ((tries-- > 0)) || die "the Sentinels still name $old a minute after its pod was deleted"
    sleep 0.2
  done
  event redis-failover "$now" "named by the Sentinels $(($(now_ms) - deleted_at)) ms after $old was deleted"
}

delete_redis_pod() {
  local pod tries=90 deleted_at
  if redis_replicated; then
    pod=$(sentinel_primary "$(other_redis_pods "" | head -n 1)")
    [[ -n $pod ]] || die "no Sentinel in the pods labelled $REDIS_SELECTOR names a primary"
    deleted_at=$(now_ms)
    event redis-delete "$pod" primary
    kc delete pod "$pod" --wait=false >/dev/null
    mark_failover "$pod" "$deleted_at"
  else
    pod=$(kc get pods -l "$REDIS_SELECTOR" -o jsonpath='{.items[0].metadata.name}')
    [[ -n $pod ]] || die "no Redis pod labelled $REDIS_SELECTOR"
    event redis-delete "$pod"
    kc delete pod "$pod" --wait=false >/dev/null
  fi
  # Same name comes back (StatefulSet); wait for a Ready one that is not the one being deleted.
  sleep 2
  until kc wait pod -l "$REDIS_SELECTOR" --for=condition=Ready --timeout=2s >/dev/null 2>&1 &&
    [[ -z $(kc get pod "$pod" -o jsonpath='{.metadata.deletionTimestamp}' 2>/dev/null) ]]; do
    ((tries-- > 0)) || die "Redis pod not Ready again within ~3 minutes"
    sleep 1
  done
  event redis-ready "$pod"
}

deadline=$((SECONDS + CHAOS_WARMUP_S + CHAOS_ROUNDS * (CHAOS_INTERVAL_S + 200)))
sleep "$CHAOS_WARMUP_S"
for ((round = 1; round <= CHAOS_ROUNDS; round++)); do
  if ! alive "$WATCH_PID" || ((SECONDS >= deadline)); then break; fi
  if ((round == ROLLOUT_ROUND)); then
    event rollout-restart "${deployment#*/}"
    kc rollout restart "$deployment" >/dev/null
    kc rollout status "$deployment" --timeout=180s >/dev/null || die "rollout restart did not finish in 180 s"
    event rollout-done "${deployment#*/}"
  elif ((round == REDIS_ROUND)); then
    delete_redis_pod
  else
    churn_api_pod
  fi
  sleep "$CHAOS_INTERVAL_S"
done
event chaos-done cluster "$((round - 1)) rounds"
