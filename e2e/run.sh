#!/usr/bin/env bash
# End-to-end suite: builds and loads the image, installs the chart into a fresh restricted namespace of the
# current kube context (the local cluster, kind or minikube), and checks it on the live cluster.
# Writes $E2E_OUT/result.json and summary.md; exits non-zero when a step fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.tools/bin:$ROOT/.tools/node/bin:$PATH"
CHART="$ROOT/charts/xwing"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
NS="${E2E_NAMESPACE:-xwing-e2e-$(date +%s)}"
RELEASE="${E2E_RELEASE:-xw}"
OUT="${E2E_OUT:-$ROOT/results/e2e-$STAMP}"
IMAGE="${IMAGE:-xwing}"
IMAGE_TAG="${IMAGE_TAG:-$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/package.json")}"
LOAD_RPS="${E2E_LOAD_RPS:-4}"
API_SELECTOR="app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=api"
REDIS_SELECTOR="app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=redis"

mkdir -p "$OUT"
: >"$OUT/steps.jsonl"
FAILED=0
# The session token passes between steps (each runs in its own subshell) through this file.
TOKEN_FILE="$OUT/.session-token"

log() { printf '[e2e %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
k() { kubectl -n "$NS" "$@"; }

# Runs step function $1 with a name and records its outcome; after a failure the remaining steps are
# recorded as skipped, since each one builds on the state the previous ones left.
step() {
  local name="$1" fn="$2" started=$SECONDS status detail_file="$OUT/$1.log"
  if ((FAILED)); then
    jq -cn --arg n "$name" '{name: $n, status: "skipped", seconds: 0, detail: "an earlier step failed"}' >>"$OUT/steps.jsonl"
    return 0
  fi
  log "== $name"
  # A subshell outside any condition, so that errexit applies inside the step function.
  set +e
  (
    set -e
    "$fn"
  ) > >(tee "$detail_file" >&2) 2>&1
  local rc=$?
  set -e
  sleep 0.2
  if ((rc == 0)); then status=passed; else status=failed; FAILED=1; fi
  jq -cn --arg n "$name" --arg s "$status" --argjson t "$((SECONDS - started))" \
    --arg d "$(tail -n 5 "$detail_file")" '{name: $n, status: $s, seconds: $t, detail: $d}' >>"$OUT/steps.jsonl"
  log "== $name: $status in $((SECONDS - started))s"
}

# Polls "$@" once every 2 s for at most $1 seconds.
poll() {
  local timeout="$1"
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 2
  done
}

context_kind() {
  local ctx server
  ctx="$(kubectl config current-context)"
  server="$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  case "$ctx" in
    xwing-local) echo local ;;
    kind-*) echo kind ;;
    minikube) echo minikube ;;
    *) echo "other ($ctx at $server)" ;;
  esac
}

redis_image() { helm show values "$CHART" --jsonpath '{.redis.image.repository}:{.redis.image.tag}'; }

step_image() {
  local mode
  mode="$(context_kind)"
  log "context: $(kubectl config current-context) ($mode)"
  if [[ "$mode" == local ]]; then
    # No registry here: the Dockerfile's and the chart's base images are local stand-ins.
    make --no-print-directory -C "$ROOT" base-images
  fi
  make --no-print-directory -C "$ROOT" image IMAGE="$IMAGE" IMAGE_TAG="$IMAGE_TAG"
  local redis
  redis="$(redis_image)"
  case "$mode" in
    local)
      docker save "$IMAGE:$IMAGE_TAG" "$redis" |
        ctr --address "${XWING_STATE:-$ROOT/.run/cluster}/containerd/containerd.sock" -n k8s.io images import - ;;
    kind)
      local cluster
      cluster="$(kubectl config current-context)"
      kind load docker-image --name "${cluster#kind-}" "$IMAGE:$IMAGE_TAG"
      if docker image inspect "$redis" >/dev/null 2>&1; then kind load docker-image --name "${cluster#kind-}" "$redis"; fi ;;
    minikube)
      minikube image load "$IMAGE:$IMAGE_TAG" ;;
    *)
      log "unknown context kind: the cluster must be able to pull $IMAGE:$IMAGE_TAG" ;;
  esac
}

step_install() {
  kubectl create namespace "$NS"
  kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted \
    pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted
  helm install "$RELEASE" "$CHART" --namespace "$NS" --wait --timeout 6m \
    --set image.repository="$IMAGE" --set image.tag="$IMAGE_TAG"
  helm test "$RELEASE" --namespace "$NS" --logs --timeout 3m
}

# Every values variant of the chart tests (test/chart/chart_test.py), applied as a server-side dry run;
# a variant that needs an API this cluster lacks (e.g. ServiceMonitor) is reported, not applied.
step_dry_run() {
  local variants="$OUT/variants" name apis failed=0
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
    if helm template "$RELEASE" "$CHART" --namespace "$NS" -f "$values" "${api_flags[@]}" \
      --set image.repository="$IMAGE" --set image.tag="$IMAGE_TAG" >"$variants/$name.yaml" &&
      kubectl apply -n "$NS" --server-side --force-conflicts --field-manager=xwing-e2e --dry-run=server \
        -f "$variants/$name.yaml" >"$variants/$name.out" 2>&1 &&
      ! grep -q 'would violate PodSecurity' "$variants/$name.out"; then
      log "$name: $(grep -c 'serverside-applied' "$variants/$name.out") objects accepted"
    else
      log "$name: FAILED"
      cat "$variants/$name.out" >&2 || true
      failed=1
    fi
  done
  return "$failed"
}

fullname() { k get deploy -l "$API_SELECTOR" -o jsonpath='{.items[0].metadata.name}'; }

hpa_cpu() {
  local value
  value="$(k get hpa -l "app.kubernetes.io/instance=$RELEASE" \
    -o jsonpath='{.items[0].status.currentMetrics[?(@.type=="Resource")].resource.current.averageUtilization}' 2>/dev/null)"
  [[ -n "$value" ]] && log "HPA current CPU: ${value}%"
}

pdb_allows() {
  local allowed
  allowed="$(k get pdb -l "app.kubernetes.io/instance=$RELEASE" -o jsonpath='{.items[0].status.disruptionsAllowed}')"
  [[ "${allowed:-0}" -ge 1 ]] && log "PDB disruptionsAllowed: $allowed"
}

endpoints_match() {
  local svc pods eps
  svc="$(fullname)"
  pods="$(k get pods -l "$API_SELECTOR" --field-selector=status.phase=Running \
    -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}' | sort)"
  eps="$(k get endpointslices -l "kubernetes.io/service-name=$svc" \
    -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{"\n"}{end}' | sort)"
  [[ -n "$pods" && "$pods" == "$eps" ]] && log "Service $svc endpoints: $(tr '\n' ' ' <<<"$eps")"
}

step_assertions() {
  k wait pods -l "$API_SELECTOR" --for=condition=Ready --timeout=120s
  local pvc
  pvc="$(k get pvc -l "$REDIS_SELECTOR" -o jsonpath='{range .items[*]}{.metadata.name}={.status.phase}{"\n"}{end}')"
  log "Redis PVC: $pvc"
  grep -q '=Bound$' <<<"$pvc"
  poll 240 hpa_cpu || { k describe hpa >&2; return 1; }
  poll 60 pdb_allows || { k get pdb -o yaml >&2; return 1; }
  poll 60 endpoints_match || { k get endpointslices -o wide >&2; return 1; }
}

client_pod() {
  k apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: e2e-client
  labels: {app.kubernetes.io/name: xwing-e2e-client}
spec:
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 1000
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: client
    image: $IMAGE:$IMAGE_TAG
    imagePullPolicy: IfNotPresent
    command: [node, -e, "setInterval(() => {}, 1 << 30)"]
    env:
    - {name: XWING_URL, value: "http://$(fullname):$(k get svc "$(fullname)" -o jsonpath='{.spec.ports[?(@.name=="http")].port}')"}
    resources:
      requests: {cpu: 20m, memory: 48Mi}
      limits: {cpu: 500m, memory: 128Mi}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    volumeMounts:
    - {name: tmp, mountPath: /tmp}
  volumes:
  - name: tmp
    emptyDir: {sizeLimit: 16Mi}
YAML
  k wait pod/e2e-client --for=condition=Ready --timeout=90s
}

client() { k exec -i e2e-client -- node --input-type=module - "$@" <"$ROOT/e2e/client.mjs"; }

session_valid() { client session "$(cat "$TOKEN_FILE")"; }

# Waits until the API Deployment runs only Ready pods that were created after $1 (a list of old pod names).
rolled_out() {
  local old="$1" now
  k rollout status "deploy/$(fullname)" --timeout=5s >/dev/null 2>&1 || return 1
  now="$(k get pods -l "$API_SELECTOR" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')"
  [[ -n "$now" ]] && ! grep -qxF -f <(printf '%s\n' "$old") <<<"$now"
}

api_pods() { k get pods -l "$API_SELECTOR" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'; }

step_churn() {
  client_pod
  client login | jq -r .token >"$TOKEN_FILE"
  [[ -s "$TOKEN_FILE" && "$(cat "$TOKEN_FILE")" != null ]]
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
  poll 180 bash -c "[[ \"\$(kubectl -n '$NS' get pod '$redis_pod' -o jsonpath='{.metadata.uid}' 2>/dev/null)\" != '$redis_uid' ]]"
  k wait pod "$redis_pod" --for=condition=Ready --timeout=180s
  k wait pods -l "$API_SELECTOR" --for=condition=Ready --timeout=120s
  poll 60 session_valid
  log "session valid after Redis restarted (append-only file on the PVC)"

  log "rollout restart under ${LOAD_RPS} req/s"
  k exec e2e-client -- rm -f /tmp/stop
  client load "$(cat "$TOKEN_FILE")" "$LOAD_RPS" 300 >"$OUT/load.json" &
  local load_pid=$!
  sleep 5
  old="$(api_pods)"
  k rollout restart "deploy/$(fullname)"
  k rollout status "deploy/$(fullname)" --timeout=240s
  poll 60 rolled_out "$old"
  # Let requests run against the new pods for a while, then stop the load.
  sleep 10
  k exec e2e-client -- touch /tmp/stop
  local rc=0
  wait "$load_pid" || rc=$?
  log "load during rollout: $(cat "$OUT/load.json")"
  return "$rc"
}

redis_password() {
  local secret
  secret="$(k get statefulset -l "$REDIS_SELECTOR" \
    -o jsonpath='{.items[0].spec.template.spec.containers[0].env[?(@.name=="REDIS_PASSWORD")].valueFrom.secretKeyRef.name}')"
  k get secret "$secret" -o jsonpath='{.data.redis-password}' | sha256sum | cut -d' ' -f1
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

cleanup() {
  if [[ "${E2E_KEEP:-0}" == 1 ]]; then
    log "keeping namespace $NS (E2E_KEEP=1)"
    return 0
  fi
  kubectl delete namespace "$NS" --wait=true --timeout=180s >/dev/null 2>&1 || log "namespace $NS not deleted within 180s"
}

report() {
  rm -f "$TOKEN_FILE"
  jq -s --arg ns "$NS" --arg ctx "$(kubectl config current-context)" --arg image "$IMAGE:$IMAGE_TAG" \
    --arg started "$STAMP" \
    '{context: $ctx, namespace: $ns, image: $image, started: $started,
      passed: (map(select(.status == "failed")) | length == 0),
      seconds: (map(.seconds) | add), steps: .}' "$OUT/steps.jsonl" >"$OUT/result.json"
  {
    printf '# xwing end-to-end: %s\n\n' "$(jq -r 'if .passed then "PASSED" else "FAILED" end' "$OUT/result.json")"
    # shellcheck disable=SC2016  # Markdown code spans, not shell
    printf 'Context `%s`, namespace `%s`, image `%s`, %ss in all.\n\n' "$(jq -r .context "$OUT/result.json")" "$NS" \
      "$IMAGE:$IMAGE_TAG" "$(jq -r .seconds "$OUT/result.json")"
    printf '| step | result | seconds |\n|---|---|---|\n'
    jq -r '.steps[] | "| \(.name) | \(.status) | \(.seconds) |"' "$OUT/result.json"
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
  step install step_install
  step dry-run step_dry_run
  step assertions step_assertions
  step churn step_churn
  step upgrade step_upgrade
  step uninstall step_uninstall
  return "$FAILED"
}

main "$@"
