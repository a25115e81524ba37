#!/usr/bin/env bash
# End-to-end suite: builds and loads the image, then checks the chart on the live cluster of the
# current kube context (the local cluster, kind or minikube) in both Redis architectures, each
# release in a fresh namespace enforcing the restricted Pod Security Standard:
#   standalone (standalone.sh): install, helm test, chart variants, churn, upgrade, uninstall;
#   replication (replication.sh, E2E_REPLICATION=0 skips it): install and helm test in the
#     background while the standalone flow runs, then the primary's pod deleted under load.
# The two flows' faults never overlap, so neither measures the other's disruption.
# Writes $E2E_OUT/result.json and summary.md; exits non-zero when a step fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.tools/bin:$ROOT/.tools/node/bin:$PATH"
# shellcheck source=e2e/lib.sh
source "$ROOT/e2e/lib.sh"
# shellcheck source=e2e/standalone.sh
source "$ROOT/e2e/standalone.sh"
# shellcheck source=e2e/replication.sh
source "$ROOT/e2e/replication.sh"

CHART="$ROOT/charts/xwing"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
NS="${E2E_NAMESPACE:-xwing-e2e-$(date +%s)}"
REPLICATION_NS="$NS-repl"
REPLICATION="${E2E_REPLICATION:-1}"
RELEASE="${E2E_RELEASE:-xw}"
OUT="${E2E_OUT:-$ROOT/results/$STAMP-e2e}"
IMAGE="${IMAGE:-xwing}"
IMAGE_TAG="${IMAGE_TAG:-$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/package.json")}"
LOAD_RPS="${E2E_LOAD_RPS:-4}"
API_SELECTOR="app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=api"
REDIS_SELECTOR="app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=redis"
CHAIN=standalone
FAILED=0
# The replication flow waits for this file before its faults: the standalone flow is done then.
STANDALONE_DONE="$OUT/.standalone-done"
REPLICATION_PID=""

mkdir -p "$OUT"
: >"$OUT/steps.jsonl"
rm -f "$STANDALONE_DONE"

step_image() {
  local mode
  mode="$(bash "$ROOT/e2e/cluster-images.sh" context)"
  log "context: $(kubectl config current-context) ($mode)"
  if [[ "$mode" == local ]]; then
    # No registry here: the Dockerfile's and the chart's base images are local stand-ins.
    make --no-print-directory -C "$ROOT" base-images
  fi
  make --no-print-directory -C "$ROOT" image IMAGE="$IMAGE" IMAGE_TAG="$IMAGE_TAG"
  bash "$ROOT/e2e/cluster-images.sh" load "$IMAGE:$IMAGE_TAG"
}

standalone_done() { [[ -e "$STANDALONE_DONE" ]]; }

# The replication flow, in its own namespace: its own step chain (a failure skips only its own
# remaining steps). Exits non-zero when a step failed.
replication_flow() {
  NS="$REPLICATION_NS" CHAIN=replication FAILED=0
  step rep-install step_rep_install
  step rep-assertions step_rep_assertions
  poll 1200 standalone_done || FAILED=1
  step rep-primary-delete step_rep_primary_delete
  step rep-primary-force-delete step_rep_primary_force_delete
  exit "$FAILED"
}

# Nothing in the suite's namespaces is worth a graceful stop: once the namespace is terminating (no
# controller recreates a pod), its pods go at once instead of each running its preStop (a Redis
# primary's waits up to 20 s for a handover no replica can take).
delete_namespace() {
  kubectl delete namespace "$1" --wait=false >/dev/null 2>&1 || true
  kubectl -n "$1" delete pods --all --grace-period=0 --force >/dev/null 2>&1 || true
  kubectl wait --for=delete "namespace/$1" --timeout=180s >/dev/null 2>&1 || log "namespace $1 not deleted within 180s"
}

# SIGTERM to process $1 and everything it started, children first.
kill_tree() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$child"; done
  kill -TERM "$1" 2>/dev/null || true
}

cleanup() {
  if [[ -n "$REPLICATION_PID" ]]; then
    kill_tree "$REPLICATION_PID"
    wait "$REPLICATION_PID" 2>/dev/null || true
  fi
  if [[ "${E2E_KEEP:-0}" == 1 ]]; then
    log "keeping namespaces $NS and $REPLICATION_NS (E2E_KEEP=1)"
    return 0
  fi
  local namespace
  for namespace in "$NS" "$REPLICATION_NS"; do
    if kubectl get namespace "$namespace" >/dev/null 2>&1; then delete_namespace "$namespace" & fi
  done
  wait
}

# The Markdown table of the failover runs (failover-*.json).
failover_table() {
  printf '| fault | primary: deleted → new | Sentinels name it after | write gap | failed / requests | p99 | max | sessions lost | logouts undone | min ready API endpoints | deleted pod back as | primary no Sentinel named |\n'
  printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n'
  jq -r '.failover[] |
    def ms: if . == null then "-" else "\(. / 1000 * 100 | round / 100) s" end;
    def unnamed: if . == null then "none" else "\(.pod), \(.fromMs | ms) to \(.toMs | ms)" end;
    "| `kubectl delete pod` \(if .delete == "" then "(graceful)" else "`\(.delete)`" end) | \(.victim) → \(.failover.newPrimary // "(none: it came back first)") | \(.failover.sentinelsAllMs | ms) | \(.load.writeGap.ms | ms) | \(.load.failed) / \(.load.requests) | \(.load.p99Ms) ms | \(.load.maxMs) ms | \(.sessions.lost + .load.sessionsLost) | \(.sessions.undone) | \(.endpoints.minReady) | \(.victimStartRole | sub("\\..*"; "")) | \(.failover.unnamedPrimary | unnamed) |"' "$OUT/result.json"
}

report() {
  local files=("$OUT"/failover-*.json)
  [[ -e "${files[0]}" ]] || files=()
  jq -s --arg ns "$NS" --arg rns "$REPLICATION_NS" --arg ctx "$(kubectl config current-context)" \
    --arg image "$IMAGE:$IMAGE_TAG" --arg started "$STAMP" --argjson wall "$SECONDS" \
    --slurpfile failover <(if ((${#files[@]})); then jq -s 'sort_by(.deletedAt)' "${files[@]}"; else echo '[]'; fi) \
    '{context: $ctx, namespaces: {standalone: $ns, replication: $rns}, image: $image, started: $started,
      passed: (map(select(.status == "failed")) | length == 0),
      seconds: $wall, steps: ., failover: $failover[0]}' "$OUT/steps.jsonl" >"$OUT/result.json"
  {
    printf '# xwing end-to-end: %s\n\n' "$(jq -r 'if .passed then "PASSED" else "FAILED" end' "$OUT/result.json")"
    # shellcheck disable=SC2016  # Markdown code spans, not shell
    printf 'Context `%s`, namespaces `%s` and `%s`, image `%s`, %ss wall time.\n\n' "$(jq -r .context "$OUT/result.json")" \
      "$NS" "$REPLICATION_NS" "$IMAGE:$IMAGE_TAG" "$SECONDS"
    printf '| mode | step | result | seconds |\n|---|---|---|---|\n'
    jq -r '.steps[] | "| \(.mode) | \(.name) | \(.status) | \(.seconds) |"' "$OUT/result.json"
    if ((${#files[@]})); then
      printf '\n## Redis failover under load (%s req/s from a pod in the cluster)\n\n' "$FAULT_RPS"
      failover_table
    fi
  } >"$OUT/summary.md"
  cat "$OUT/summary.md"
  log "results: $OUT/result.json"
}

main() {
  for tool in kubectl helm docker jq python3; do
    command -v "$tool" >/dev/null || { log "$tool is missing (make tools / make load-deps)"; exit 1; }
  done
  kubectl get --raw /readyz >/dev/null || { log "the current kube context does not answer"; exit 1; }
  trap 'cleanup; report' EXIT
  step image step_image
  if ((REPLICATION)) && ((!FAILED)); then
    replication_flow &
    REPLICATION_PID=$!
  fi
  step install step_install
  step dry-run step_dry_run
  step assertions step_assertions
  step churn step_churn
  step upgrade step_upgrade
  step uninstall step_uninstall
  touch "$STANDALONE_DONE"
  # Its namespace goes while the replication flow runs.
  delete_namespace "$NS" &
  local namespace_pid=$! rc=0
  if [[ -n "$REPLICATION_PID" ]]; then
    wait "$REPLICATION_PID" || rc=$?
    REPLICATION_PID=""
    ((rc == 0)) || FAILED=1
  fi
  wait "$namespace_pid" || true
  return "$FAILED"
}

main "$@"
