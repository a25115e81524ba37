#!/usr/bin/env bash
# sampler.sh RUN_DIR WATCH_PID: every SAMPLE_INTERVAL_S (5) seconds, while WATCH_PID lives and for at
# most SAMPLER_MAX_S (3600) seconds, appends one JSON line to RUN_DIR/samples.jsonl: HPA current and
# desired replicas, CPU utilisation and its target, ready/total/terminating API pods, container
# restarts, API pods deleted since the sampler started, whether Redis is ready, the HPA's last scale
# time, and each API pod once, when first seen Ready, with its creation and Ready times (the API's,
# 1 s resolution: the 5 s sampling does not blur them).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/harness.sh
source "$ROOT/loadtest/lib/harness.sh"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$ROOT/loadtest/cluster/env.sh"

RUN_DIR=${1:?usage: sampler.sh RUN_DIR WATCH_PID}
WATCH_PID=${2:?usage: sampler.sh RUN_DIR WATCH_PID}
SAMPLE_INTERVAL_S=${SAMPLE_INTERVAL_S:-5}
SAMPLER_MAX_S=${SAMPLER_MAX_S:-3600}

declare -A SEEN=()
declare -A REPORTED_READY=()
deleted=0
tries=$((SAMPLER_MAX_S / SAMPLE_INTERVAL_S))
while ((tries-- > 0)) && alive "$WATCH_PID"; do
  ts=$(now_ms)
  hpa=$(kc get hpa -l "app.kubernetes.io/instance=$XWING_RELEASE" -o json 2>/dev/null || echo '{"items":[]}')
  pods=$(kc get pods -l "$API_SELECTOR" -o json 2>/dev/null || echo '{"items":[]}')
  redis=$(kc get pods -l "$REDIS_SELECTOR" -o json 2>/dev/null || echo '{"items":[]}')

  # A pod name seen before and gone now was deleted (by the chaos loop, a rollout or a scale-in).
  mapfile -t names < <(jq -r '.items[].metadata.name' <<<"$pods")
  declare -A NOW=()
  for n in "${names[@]}"; do NOW[$n]=1; SEEN[$n]=1; done
  for n in "${!SEEN[@]}"; do
    if [[ -z ${NOW[$n]:-} ]]; then
      deleted=$((deleted + 1))
      unset "SEEN[$n]"
    fi
  done
  unset NOW
  reported=$(printf '%s\n' "${!REPORTED_READY[@]}" | jq -R . | jq -cs 'map(select(. != ""))')

  line=$(jq -cn --argjson ts "$ts" --argjson deleted "$deleted" --argjson reported "$reported" \
    --argjson hpa "$hpa" --argjson pods "$pods" --argjson redis "$redis" '
    def ready_pods: [.items[] | select(.metadata.deletionTimestamp == null)
      | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))];
    def ready: ready_pods | length;
    def ms: if . == null then null else fromdateiso8601 * 1000 end;
    ($hpa.items[0] // {}) as $h
    | {ts: $ts,
       replicas_desired: $h.status.desiredReplicas,
       replicas_current: $h.status.currentReplicas,
       cpu_percent: ([$h.status.currentMetrics[]? | select(.type == "Resource" and .resource.name == "cpu")
                     | .resource.current.averageUtilization][0]),
       cpu_target: ([$h.spec.metrics[]? | select(.type == "Resource" and .resource.name == "cpu")
                    | .resource.target.averageUtilization][0]),
       hpa_min: $h.spec.minReplicas, hpa_max: $h.spec.maxReplicas,
       pods_total: ([$pods.items[] | select(.metadata.deletionTimestamp == null)] | length),
       pods_terminating: ([$pods.items[] | select(.metadata.deletionTimestamp != null)] | length),
       pods_ready: ($pods | ready),
       restarts: ([$pods.items[].status.containerStatuses[]?.restartCount] | add // 0),
       deletions: $deleted,
       redis_ready: (($redis | ready) > 0),
       hpa_last_scale_ms: ($h.status.lastScaleTime | ms),
       became_ready: [$pods | ready_pods[] | select(.metadata.name as $n | $reported | index($n) | not)
         | {pod: .metadata.name, created_ms: (.metadata.creationTimestamp | ms),
            ready_ms: ([.status.conditions[] | select(.type == "Ready")][0].lastTransitionTime | ms)}]}')
  printf '%s\n' "$line" >>"$RUN_DIR/samples.jsonl"
  mapfile -t fresh < <(jq -r '.became_ready[].pod' <<<"$line")
  for n in "${fresh[@]}"; do REPORTED_READY[$n]=1; done
  sleep "$SAMPLE_INTERVAL_S"
done
