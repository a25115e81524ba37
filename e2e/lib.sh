# shellcheck shell=bash
# Shared by the e2e flows (sourced by run.sh): step bookkeeping, bounded polling, and the client pod
# that drives the API from inside the release's namespace. Every kubectl call goes to $NS; a flow
# that runs in a namespace of its own sets NS (and CHAIN, its name in logs and results) in its
# subshell.

log() { printf '[e2e %s %s] %s\n' "$(date -u +%H:%M:%S)" "$CHAIN" "$*" >&2; }
k() { kubectl -n "$NS" "$@"; }

# Runs step function $2 under the name $1 and records its outcome; after a failure the chain's
# remaining steps are recorded as skipped, since each one builds on the state the previous ones left.
step() {
  local name="$1" fn="$2" started=$SECONDS status detail_file="$OUT/$1.log"
  if ((FAILED)); then
    jq -cn --arg n "$name" --arg c "$CHAIN" '{name: $n, mode: $c, status: "skipped", seconds: 0, detail: "an earlier step failed"}' >>"$OUT/steps.jsonl"
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
  jq -cn --arg n "$name" --arg c "$CHAIN" --arg s "$status" --argjson t "$((SECONDS - started))" \
    --arg d "$(tail -n 5 "$detail_file")" '{name: $n, mode: $c, status: $s, seconds: $t, detail: $d}' >>"$OUT/steps.jsonl"
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

now_ms() { date +%s%3N; }

create_namespace() {
  kubectl create namespace "$NS"
  kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted \
    pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted
}

# True once pod $1 exists again with a UID other than $2: a StatefulSet brings a deleted pod back
# under the same name.
pod_replaced() {
  local uid
  uid="$(k get pod "$1" -o jsonpath='{.metadata.uid}' 2>/dev/null)" || return 1
  [[ -n "$uid" && "$uid" != "$2" ]]
}

fullname() { k get deploy -l "$API_SELECTOR" -o jsonpath='{.items[0].metadata.name}'; }

api_pods() { k get pods -l "$API_SELECTOR" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'; }

# True while the PodDisruptionBudget of the pods selected by $1 allows at least one disruption.
pdb_allows() {
  local allowed
  allowed="$(k get pdb -l "$1" -o jsonpath='{.items[0].status.disruptionsAllowed}')"
  [[ "${allowed:-0}" -ge 1 ]] && log "PDB ($1) disruptionsAllowed: $allowed"
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

# sample_endpoints FILE STOP_FILE SECONDS: every ~0.5 s one line "<epoch ms> <ready endpoints of the
# API Service>" ("-" when the API server did not answer), until STOP_FILE exists or SECONDS pass.
sample_endpoints() {
  local file="$1" stop="$2" deadline=$((SECONDS + $3)) svc ready
  svc="$(fullname)"
  while [[ ! -e "$stop" ]] && ((SECONDS < deadline)); do
    ready="$(k get endpointslices -l "kubernetes.io/service-name=$svc" -o json --request-timeout=2s 2>/dev/null |
      jq '[.items[].endpoints[]? | select(.conditions.ready == true)] | length' 2>/dev/null)" || ready=-
    printf '%s %s\n' "$(now_ms)" "${ready:--}" >>"$file"
    sleep 0.5
  done
}

# The release's Redis password Secret and key, as the Redis StatefulSet reads them.
redis_secret_ref() {
  k get statefulset -l "$REDIS_SELECTOR" \
    -o jsonpath='{.items[0].spec.template.spec.containers[0].env[?(@.name=="REDIS_PASSWORD")].valueFrom.secretKeyRef}'
}

# The client pod: the app image, in the release's namespace, with the release's Service URL and, in
# replication mode, its Sentinels and the Redis password (optional references: a standalone release
# has no REDIS_SENTINELS). The client (client.ts) and the harness modules it imports are copied in.
client_pod() {
  local svc port secret
  svc="$(fullname)"
  port="$(k get svc "$svc" -o jsonpath='{.spec.ports[?(@.name=="http")].port}')"
  secret="$(redis_secret_ref)"
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
    - {name: XWING_URL, value: "http://$svc:$port"}
    - name: REDIS_SENTINELS
      valueFrom: {configMapKeyRef: {name: $svc, key: REDIS_SENTINELS, optional: true}}
    - name: REDIS_SENTINEL_NAME
      valueFrom: {configMapKeyRef: {name: $svc, key: REDIS_SENTINEL_NAME, optional: true}}
    - name: REDIS_PASSWORD
      valueFrom: {secretKeyRef: {name: $(jq -r .name <<<"$secret"), key: $(jq -r .key <<<"$secret"), optional: true}}
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
  local files=() file
  for file in "$ROOT"/e2e/*.ts "$ROOT"/harness/*.ts; do
    [[ "$file" == *.test.ts ]] || files+=("${file#"$ROOT"/}")
  done
  # The image has neither a shell nor tar (distroless): node writes the files, sent as one JSON object.
  python3 -c 'import json, sys; print(json.dumps({f: open(f"{sys.argv[1]}/{f}").read() for f in sys.argv[2:]}))' "$ROOT" "${files[@]}" |
    k exec -i e2e-client -- node -e '
      const { mkdirSync, writeFileSync } = require("node:fs");
      const { dirname, join } = require("node:path");
      let text = "";
      process.stdin.setEncoding("utf8").on("data", (d) => (text += d)).on("end", () => {
        for (const [file, body] of Object.entries(JSON.parse(text))) {
          mkdirSync(dirname(join("/tmp/xw", file)), { recursive: true });
          writeFileSync(join("/tmp/xw", file), body);
        }
      });'
}

client() { k exec e2e-client -- node /tmp/xw/e2e/client.ts "$@"; }
