# shellcheck shell=bash
# The standalone flow's steps (the chart's defaults: one Redis pod), sourced by run.sh: install and
# helm test, every chart variant as a server-side dry run, live assertions, churn (every API pod,
# the Redis pod, a rollout under load), upgrade and uninstall.

step_install() {
  create_namespace
  helm install "$RELEASE" "$CHART" --namespace "$NS" --wait --timeout 6m \
    --set image.repository="$IMAGE" --set image.tag="$IMAGE_TAG"
  helm test "$RELEASE" --namespace "$NS" --logs --timeout 3m
}

# Every values variant of the chart tests (test/chart/chart_test.py), applied as a server-side dry run
# of a fresh install (a release name of its own: a variant may change fields of the installed release
# that Kubernetes keeps immutable, such as a StatefulSet's podManagementPolicy); a variant that needs an
# API this cluster lacks (e.g. ServiceMonitor) is reported, not applied. A variant may place an
# object in another namespace (the dashboard next to Grafana): that namespace is created for the
# step and removed after it.
step_dry_run() {
  local variants="$OUT/variants" name apis failed=0 ns
  local -a created=()
  mkdir -p "$variants"
  python3 - "$ROOT/test/chart" "$variants" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[1])
from chart_test import VARIANTS
for name, values, apis, _ in VARIANTS:
    with open(os.path.join(sys.argv[2], name + ".values.json"), "w") as fh:
        json.dump(values, fh)
    with open(os.path.join(sys.argv[2], name + ".apis"), "w") as fh:
        fh.write("\n".join(apis))
PY
  local served
  served="$(kubectl api-versions)"
  for values in "$variants"/*.values.json; do
    name="$(basename "$values" .values.json)"
    apis="$(cat "$variants/$name.apis")"
    if [[ -n "$apis" ]] && ! grep -qxF "$apis" <<<"$served"; then
      log "$name: skipped, the cluster does not serve $apis"
      continue
    fi
    local api_flags=()
    if [[ -n "$apis" ]]; then api_flags=(--api-versions "$apis"); fi
    if helm template "$RELEASE-dry" "$CHART" --namespace "$NS" -f "$values" "${api_flags[@]}" \
      --set image.repository="$IMAGE" --set image.tag="$IMAGE_TAG" >"$variants/$name.yaml"; then
      while read -r ns; do
        if [[ $ns != "$NS" ]] && ! kubectl get namespace "$ns" >/dev/null 2>&1; then
          kubectl create namespace "$ns" >/dev/null && created+=("$ns")
        fi
      done < <(sed -n 's/^  namespace: //p' "$variants/$name.yaml" | sort -u)
    fi
    # Every template names its namespace, so no -n: objects go where the chart puts them.
    if [[ -s "$variants/$name.yaml" ]] &&
      kubectl apply --server-side --force-conflicts --field-manager=xwing-e2e --dry-run=server \
        -f "$variants/$name.yaml" >"$variants/$name.out" 2>&1 &&
      ! grep -q 'would violate PodSecurity' "$variants/$name.out"; then
      log "$name: $(grep -c 'serverside-applied' "$variants/$name.out") objects accepted"
    else
      log "$name: FAILED"
      cat "$variants/$name.out" >&2 || true
      failed=1
    fi
  done
  if ((${#created[@]})); then kubectl delete namespace "${created[@]}" --wait=false >/dev/null; fi
  return "$failed"
}

hpa_cpu() {
  local value
  value="$(k get hpa -l "app.kubernetes.io/instance=$RELEASE" \
    -o jsonpath='{.items[0].status.currentMetrics[?(@.type=="Resource")].resource.current.averageUtilization}' 2>/dev/null)"
  [[ -n "$value" ]] && log "HPA current CPU: ${value}%"
}

step_assertions() {
  k wait pods -l "$API_SELECTOR" --for=condition=Ready --timeout=120s
  local pvc
  pvc="$(k get pvc -l "$REDIS_SELECTOR" -o jsonpath='{range .items[*]}{.metadata.name}={.status.phase}{"\n"}{end}')"
  log "Redis PVC: $pvc"
  grep -q '=Bound$' <<<"$pvc"
  poll 240 hpa_cpu || { k describe hpa >&2; return 1; }
  poll 60 pdb_allows "$API_SELECTOR" || { k get pdb -o yaml >&2; return 1; }
  poll 60 endpoints_match || { k get endpointslices -o wide >&2; return 1; }
}

session_valid() { client session; }

# Waits until the API Deployment runs only Ready pods that were created after $1 (a list of old pod names).
rolled_out() {
  local old="$1" now
  k rollout status "deploy/$(fullname)" --timeout=5s >/dev/null 2>&1 || return 1
  now="$(api_pods)"
  [[ -n "$now" ]] && ! grep -qxF -f <(printf '%s\n' "$old") <<<"$now"
}

step_churn() {
  client_pod
  client login
  session_valid

  log "deleting every API pod"
  local old
  old="$(api_pods)"
  k delete pods -l "$API_SELECTOR" --wait=false
  poll 180 rolled_out "$old" || { k get pods -o wide >&2; return 1; }
  k wait pods -l "$API_SELECTOR" --for=condition=Ready --timeout=120s
  session_valid
  log "session valid after all API pods were replaced"

  log "deleting the Redis pod"
  local redis_pod redis_uid
  redis_pod="$(k get pods -l "$REDIS_SELECTOR" -o jsonpath='{.items[0].metadata.name}')"
  redis_uid="$(k get pod "$redis_pod" -o jsonpath='{.metadata.uid}')"
  k delete pod "$redis_pod" --wait=true --timeout=90s
  poll 180 pod_replaced "$redis_pod" "$redis_uid"
  k wait pod "$redis_pod" --for=condition=Ready --timeout=180s
  k wait pods -l "$API_SELECTOR" --for=condition=Ready --timeout=120s
  poll 60 session_valid
  log "session valid after Redis restarted (append-only file on the PVC)"

  log "rollout restart under ${LOAD_RPS} req/s"
  client unstop load
  client load "$LOAD_RPS" 300 >"$OUT/load.json" &
  local load_pid=$!
  sleep 5
  old="$(api_pods)"
  k rollout restart "deploy/$(fullname)"
  k rollout status "deploy/$(fullname)" --timeout=240s
  poll 60 rolled_out "$old"
  # Let requests run against the new pods for a while, then stop the load.
  sleep 10
  client stop load
  local rc=0
  wait "$load_pid" || rc=$?
  log "load during rollout: $(cat "$OUT/load.json")"
  return "$rc"
}

redis_password() {
  local ref
  ref="$(redis_secret_ref)"
  k get secret "$(jq -r .name <<<"$ref")" -o jsonpath="{.data.$(jq -r .key <<<"$ref")}" | sha256sum | cut -d' ' -f1
}

step_upgrade() {
  local before_pw after_pw old
  before_pw="$(redis_password)"
  old="$(api_pods)"
  helm upgrade "$RELEASE" "$CHART" --namespace "$NS" --reuse-values --set config.LOG_LEVEL=debug --wait --timeout 5m
  poll 180 rolled_out "$old" || { k get pods -o wide >&2; return 1; }
  log "API pods rolled: $(api_pods | tr '\n' ' ')"
  after_pw="$(redis_password)"
  [[ "$before_pw" == "$after_pw" ]] || { log "the Redis password changed on upgrade"; return 1; }
  log "Redis password unchanged (sha256 ${after_pw:0:12}...)"
  [[ "$(k get configmap "$(fullname)" -o jsonpath='{.data.LOG_LEVEL}')" == debug ]]
  poll 60 session_valid
  log "session from before the upgrade still valid"
}

release_objects() {
  k get deploy,statefulset,replicaset,service,hpa,pdb,configmap,pods -l "app.kubernetes.io/instance=$RELEASE" -o name
}

release_gone() { [[ -z "$(release_objects)" ]]; }

step_uninstall() {
  k delete pod e2e-client --wait=false
  helm uninstall "$RELEASE" --namespace "$NS" --wait --timeout 3m | tee "$OUT/uninstall.txt"
  # Pods go after their owners, each within its termination grace period.
  if ! poll 120 release_gone; then
    log "left behind by uninstall: $(release_objects | tr '\n' ' ')"
    return 1
  fi
  log "removed: workloads, Services, HPA, PDB, ConfigMaps and pods of release $RELEASE"
  log "kept after uninstall: $(k get pvc,secret -l "app.kubernetes.io/instance=$RELEASE" -o name | tr '\n' ' ')"
}
