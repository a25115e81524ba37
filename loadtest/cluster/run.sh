#!/usr/bin/env bash
# run.sh scale-out|churn: a k6 run against the cluster through the API Service's NodePort, with the
# sampler recording the HPA and pods, and for churn the chaos loop; then the report. Configured by
# the environment (see env.sh; k6 knobs like DURATION, RATE, PEAK_RATE pass through). Exit status:
# k6's (99: a threshold failed), else 1 when the run did not show what it is for (churn: the chaos
# plan did not happen; scale-out: the HPA never reached SCALE_OUT_MIN_PEAK ready pods), else the
# report's.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/harness.sh
source "$ROOT/loadtest/lib/harness.sh"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$ROOT/loadtest/cluster/env.sh"

SCRIPT=${1:-}
case $SCRIPT in
  scale-out | churn) ;;
  *) die "usage: run.sh scale-out|churn" ;;
esac
SCALE_OUT_MIN_PEAK=${SCALE_OUT_MIN_PEAK:-4}
for tool in "$KUBECTL" jq curl "$NODE"; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
kc get deploy -l "$API_SELECTOR" -o name | grep -q . ||
  die "no xwing release '$XWING_RELEASE' in namespace '$XWING_NAMESPACE' (KUBECONFIG=${KUBECONFIG:-unset})"

new_run_dir "cluster-$SCRIPT"
: "${BASE_URL:=$(discover_base_url)}"
: "${MIN_REPLICAS:=2}"
# A Redis pod deletion takes sessions away from every replica for as long as the pod needs to stop,
# start and load its append-only file (503s by design); the bound covers that once per run.
if [[ $SCRIPT == churn ]]; then
  : "${MAX_FAILED_RATE:=0.05}" "${DURATION:=6m}"
  export MAX_FAILED_RATE DURATION
else
  # Time for the HPA to come back to its minimum after the scrypt work of setup() (see scale-out.js).
  : "${SETTLE_S:=150}"
  export SETTLE_S
fi
export BASE_URL MIN_REPLICAS
redis_mode=standalone
redis_replicated && redis_mode="replication with Sentinel"
jq -n --arg ns "$XWING_NAMESPACE" --arg rel "$XWING_RELEASE" --arg url "$BASE_URL" --arg redis "$redis_mode" \
  '{kind: "cluster", label: "release \($rel) in namespace \($ns) (Redis \($redis)) via NodePort \($url)"}' >"$RUN_DIR/run.json"
log "run folder $RUN_DIR; load through $BASE_URL"

# The API limit is per client and all of k6 is one client: refuse to start a run it would cap.
policy=$(curl -sS -o /dev/null -D - --max-time 5 "$BASE_URL/work?ms=1" 2>/dev/null | tr -d '\r' |
  awk -F': ' 'tolower($1) == "ratelimit-policy" {print $2}' || true)
if [[ $policy =~ ^([0-9]+)\;w=([0-9]+) ]]; then
  per_s=$((BASH_REMATCH[1] / BASH_REMATCH[2]))
  want=$((${PEAK_RATE:-${RATE:-60}} * 2))
  ((per_s >= want)) || die "the API rate limit allows $per_s requests/s per client, the run needs ~$want:" \
    "install with -f loadtest/cluster/values-load.yaml (config.RATE_LIMIT_MAX)"
else
  curl -fsS -o /dev/null --max-time 5 "$BASE_URL/healthz" || die "$BASE_URL/healthz does not answer"
fi
kc get hpa,deploy,statefulset,pods -l "app.kubernetes.io/instance=$XWING_RELEASE" -o wide >"$RUN_DIR/cluster-before.txt" 2>&1 || true

HELPER_PIDS=()
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pids "${HELPER_PIDS[@]}" ${K6_PID:+"$K6_PID"}
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

K6_TIMEOUT_S=3600
[[ $SCRIPT == churn ]] && K6_TIMEOUT_S=$(($(duration_s "$DURATION") + 600))
K6_TIMEOUT_S=$K6_TIMEOUT_S start_k6 "$SCRIPT.js" "$SCRIPT"
# The sampler starts with k6 so the chart shows the replicas before the load too.
bash "$ROOT/loadtest/cluster/sampler.sh" "$RUN_DIR" "$K6_PID" &
HELPER_PIDS+=($!)
wait_k6_load 600 || die "k6 never started its load (setup failed?)"
event load-start k6
if [[ $SCRIPT == churn ]]; then
  bash "$ROOT/loadtest/cluster/chaos.sh" "$RUN_DIR" "$K6_PID" &
  chaos_pid=$!
  HELPER_PIDS+=("$chaos_pid")
fi

wait_k6_end
check_rc=0
if [[ $SCRIPT == churn ]]; then
  wait_helper "$chaos_pid" 240 || { log "the chaos loop failed or overran"; check_rc=1; }
  redis_events=(redis-delete)
  redis_replicated && redis_events+=(redis-failover)
  require_events pod-delete rollout-restart "${redis_events[@]}" || check_rc=1
else
  # Only samples after setup(): its scrypt work may scale the HPA out before any load.
  load_start=$(jq -s 'map(select(.kind == "load-start")) | .[0].ts' "$RUN_DIR/events.jsonl")
  peak=$(jq -s --argjson t0 "$load_start" 'map(select(.ts >= $t0) | .pods_ready // 0) | max // 0' "$RUN_DIR/samples.jsonl")
  log "peak ready API pods: $peak (want >= $SCALE_OUT_MIN_PEAK)"
  ((peak >= SCALE_OUT_MIN_PEAK)) || { log "the HPA did not scale out far enough"; check_rc=1; }
fi
stop_pids "${HELPER_PIDS[@]}"
HELPER_PIDS=()
kc get hpa,deploy,statefulset,pods -l "app.kubernetes.io/instance=$XWING_RELEASE" -o wide >"$RUN_DIR/cluster-after.txt" 2>&1 || true
kc get events --sort-by=.lastTimestamp >"$RUN_DIR/cluster-events.txt" 2>&1 || true
finish_run "$check_rc"
