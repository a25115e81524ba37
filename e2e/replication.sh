# shellcheck shell=bash
# The replication flow's steps (redis.architecture=replication: Redis pods with a Sentinel each),
# sourced by run.sh and run in a namespace of their own: install and helm test, live assertions on
# the topology, then the primary's pod deleted under load, once gracefully (its preStop hands the
# primary over) and once with --grace-period=0 --force. Each fault writes $OUT/failover-<name>.json.

FAULT_RPS="${E2E_FAULT_RPS:-20}"
# Load before the deletion, and after everything has recovered, so both ends of the gap are seen.
FAULT_BEFORE_S=5
FAULT_AFTER_S=3

# The load's one client address would meet the per-client API and password limits at FAULT_RPS
# (each fault logs 20 users in, and a tenth of the load is whole login/logout cycles).
REPLICATION_VALUES=(
  --set redis.architecture=replication
  --set config.RATE_LIMIT_MAX=1000000
  --set config.PASSWORD_RATE_LIMIT_MAX=1000000
  --set config.LOGIN_RATE_LIMIT_MAX=1000
)

step_rep_install() {
  create_namespace
  helm install "$RELEASE" "$CHART" --namespace "$NS" --wait --timeout 6m \
    --set image.repository="$IMAGE" --set image.tag="$IMAGE_TAG" "${REPLICATION_VALUES[@]}"
  helm test "$RELEASE" --namespace "$NS" --logs --timeout 3m
}

redis_settled() { client topology >/dev/null 2>&1; }

redis_pods_ready() {
  local ready want
  ready="$(k get statefulset -l "$REDIS_SELECTOR" -o jsonpath='{.items[0].status.readyReplicas}')"
  want="$(k get statefulset -l "$REDIS_SELECTOR" -o jsonpath='{.items[0].spec.replicas}')"
  [[ -n "$want" && "${ready:-0}" == "$want" ]] && log "Redis pods Ready: $ready of $want"
}

# The Redis PDB, asked exactly: one disruption allowed while every pod is ready.
redis_pdb_allows_one() {
  local allowed
  allowed="$(k get pdb -l "$REDIS_SELECTOR" -o jsonpath='{.items[0].status.disruptionsAllowed}')"
  [[ "$allowed" == 1 ]] && log "Redis PDB disruptionsAllowed: 1"
}

step_rep_assertions() {
  poll 180 redis_pods_ready || { k get pods -o wide >&2; return 1; }
  k wait pods -l "$API_SELECTOR" --for=condition=Ready --timeout=120s
  client_pod
  poll 120 redis_settled || { client topology >&2; return 1; }
  local topology
  topology="$(client topology)"
  log "one primary, named by every Sentinel, replicas in sync: $(jq -c '{primaries, named}' <<<"$topology")"
  poll 60 redis_pdb_allows_one || { k get pdb -o yaml >&2; return 1; }
  poll 60 endpoints_match || { k get endpointslices -o wide >&2; return 1; }
}

# What the restarted pod's start script decided ("role: primary" or "role: replica of <host>:<port>").
start_role() { k logs "$1" -c redis | sed -n 's/^.* role: //p' | head -n 1; }

# fault NAME [kubectl delete flags...]: deletes the primary's pod under load once the topology has
# settled, waits until the pod is back and everything has settled again, and checks what the suite
# promises: the Service always had a ready endpoint, no session was lost, no logout undone, and the
# deleted pod rejoined as a replica (or, when the Sentinels never moved, is still the one primary).
fault() {
  local name="$1"
  shift
  local base="$OUT/failover-$name"
  poll 180 redis_settled || { client topology >&2; return 1; }
  local victim uid
  victim="$(client topology | jq -r '.primaries[0]')"
  uid="$(k get pod "$victim" -o jsonpath='{.metadata.uid}')"
  client unstop "$name"
  client fault "$name" "$victim" "$FAULT_RPS" 400 >"$base.client.json" 2>"$base.client.log" &
  local client_pid=$!
  poll 120 grep -q 'load running' "$base.client.log" || { cat "$base.client.log" >&2; return 1; }
  sample_endpoints "$base.endpoints.txt" "$base.stop" 400 &
  local sampler_pid=$!
  sleep "$FAULT_BEFORE_S"
  local deleted_at recovered_at
  deleted_at="$(now_ms)"
  log "$name: deleting the primary's pod $victim (${*:-graceful}) under $FAULT_RPS req/s"
  k delete pod "$victim" --wait=false "$@"
  poll 180 pod_replaced "$victim" "$uid" || { k get pods -o wide >&2; return 1; }
  k wait pod "$victim" --for=condition=Ready --timeout=180s
  poll 180 redis_settled || { client topology >&2; return 1; }
  recovered_at="$(now_ms)"
  log "$name: $victim is back and the topology has settled after $((recovered_at - deleted_at)) ms"
  sleep "$FAULT_AFTER_S"
  client stop "$name" "$deleted_at"
  touch "$base.stop"
  local rc=0
  wait "$client_pid" || rc=$?
  wait "$sampler_pid" || true
  ((rc == 0)) || { cat "$base.client.log" >&2; return 1; }

  jq -s -R --arg delete "$*" --arg role "$(start_role "$victim")" --argjson settled "$((recovered_at - deleted_at))" \
    --slurpfile client "$base.client.json" '
    ($client[0]) as $c
    | [split("\n")[] | select(. != "") | split(" ") | select(.[1] != "-") | {t: (.[0] | tonumber), ready: (.[1] | tonumber)}] as $eps
    | $c + {delete: $delete, settledMs: $settled, victimStartRole: $role,
            endpoints: {samples: ($eps | length), minReady: ($eps | map(.ready) | min),
                        zeroSamples: ($eps | map(select(.ready == 0)) | length)}}' \
    "$base.endpoints.txt" >"$base.json"
  rm -f "$base.client.json" "$base.stop"
  log "$name: $(jq -c '{newPrimary: .failover.newPrimary, sentinelsAllMs: .failover.sentinelsAllMs,
    writeGapMs: .load.writeGap.ms, failed: .load.failed, requests: .load.requests, p99Ms: .load.p99Ms,
    sessions, endpoints, victimStartRole, victimRoleAtEnd: .failover.victimRoleAtEnd}' "$base.json")"
  fault_holds "$base.json"
}

# Exit 1, naming each broken promise, unless the fault's result keeps them all.
fault_holds() {
  local broken line
  broken="$(jq -r '
    (select(.endpoints.samples == 0) | "no EndpointSlice sample"),
    (select(.endpoints.minReady < 1) | "the API Service had no ready endpoint in \(.endpoints.zeroSamples) samples"),
    (select(.load.sessionsLost > 0) | "\(.load.sessionsLost) requests met a lost session"),
    (select(.sessions.lost + .sessions.liveUnchecked > 0) | "\(.sessions.lost) sessions lost, \(.sessions.liveUnchecked) unchecked"),
    (select(.sessions.undone + .sessions.outUnchecked > 0) | "\(.sessions.undone) logouts undone, \(.sessions.outUnchecked) unchecked"),
    (select(.failover.newPrimary != null and .failover.sentinelsNamedVictimAgain) | "the Sentinels named the deleted primary again"),
    (select(.failover.newPrimary != null and (.victimStartRole | startswith("replica") | not))
      | "the deleted primary came back as \(.victimStartRole), not as a replica"),
    (select(.failover.newPrimary == null and .victimStartRole != "primary")
      | "no failover, yet the deleted primary came back as \(.victimStartRole)"),
    (select(.name == "graceful" and .failover.newPrimary == null) | "the graceful deletion did not hand the primary over")
    ' "$1")"
  if [[ -n "$broken" ]]; then
    while IFS= read -r line; do log "BROKEN: $line"; done <<<"$broken"
    return 1
  fi
  log "kept: a ready API endpoint throughout, no session lost, no logout undone, the deleted pod rejoined"
}

step_rep_primary_delete() { fault graceful; }

step_rep_primary_force_delete() { fault force --grace-period=0 --force; }
