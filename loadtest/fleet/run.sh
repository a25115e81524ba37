#!/usr/bin/env bash
# Fleet mode: the churn test without Kubernetes. FLEET_APPS app processes (node dist/server.js, each
# with its own POD_NAME so X-Served-By tells them apart) behind nginx on 127.0.0.1, one redis-server
# with an append-only file, k6 `churn` through nginx, and a bounded chaos loop that SIGTERMs and
# SIGKILLs app processes (each comes back under a new name, like a replacement pod) and restarts
# Redis once. Everything runs under .run/fleet and is stopped by PID on exit. Exit status: k6's
# (99 when a threshold failed), else 1 when the chaos plan did not happen, else the report's.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/harness.sh
source "$ROOT/loadtest/lib/harness.sh"

FLEET_APPS=${FLEET_APPS:-3}
FLEET_LB_PORT=${FLEET_LB_PORT:-18000}
FLEET_APP_PORT_BASE=${FLEET_APP_PORT_BASE:-18080}
FLEET_METRICS_PORT_BASE=${FLEET_METRICS_PORT_BASE:-19460}
FLEET_REDIS_PORT=${FLEET_REDIS_PORT:-16380}
# "no" shows what the thresholds are for: sessions vanish with the Redis restart and the run fails.
FLEET_REDIS_APPENDONLY=${FLEET_REDIS_APPENDONLY:-yes}
FLEET_SMOKE=${FLEET_SMOKE:-1}
# The users' passwords are hashed at the app's minimum scrypt cost: setup registers ~150 users on two
# cores, and fleet mode tests churn, not password hashing.
# Kept short: nginx has no readiness probe to wait for, it learns of a dying upstream when it refuses.
FLEET_SHUTDOWN_DELAY_MS=${FLEET_SHUTDOWN_DELAY_MS:-1000}
# The app closes an upstream keep-alive connection after this many requests, so nginx's pool keeps
# turning over the way long-lived client connections do in a cluster.
FLEET_MAX_REQUESTS_PER_SOCKET=${FLEET_MAX_REQUESTS_PER_SOCKET:-100}
CHAOS_ROUNDS=${CHAOS_ROUNDS:-6}
CHAOS_WARMUP_S=${CHAOS_WARMUP_S:-8}
CHAOS_INTERVAL_S=${CHAOS_INTERVAL_S:-5}
DURATION=${DURATION:-90s}
export DURATION

STATE=$ROOT/.run/fleet
NODE=${NODE:-node}
NGINX=${NGINX:-nginx}
REDIS_SERVER=${REDIS_SERVER:-redis-server}

for tool in "$NGINX" "$REDIS_SERVER" redis-cli curl jq "$NODE"; do
  command -v "$tool" >/dev/null || die "$tool not found (make fleet-deps installs nginx and redis-server)"
done
node_major=$("$NODE" -p 'process.versions.node.split(".")[0]')
((node_major >= 24)) || die "node $node_major on PATH; the project runs on Node 24 (run through make)"
[[ -f $ROOT/dist/server.js ]] || die "dist/server.js missing: npm ci && npm run build"
((FLEET_APPS >= 2 && FLEET_APPS <= 16)) || die "FLEET_APPS must be 2..16"

ports=("$FLEET_LB_PORT" "$FLEET_REDIS_PORT" "$K6_API_PORT")
for ((i = 0; i < FLEET_APPS; i++)); do
  ports+=($((FLEET_APP_PORT_BASE + i)) $((FLEET_METRICS_PORT_BASE + i)))
done
for port in "${ports[@]}"; do
  if ss -Htln "sport = :$port" | grep -q .; then die "port $port is in use (another fleet running?)"; fi
done

new_run_dir fleet-churn
rm -rf "$STATE"
mkdir -p "$STATE"/{pids,logs,redis,nginx/tmp}
log "run folder $RUN_DIR"

HELPER_PIDS=()
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  local rc=$? pids=() f
  trap - EXIT INT TERM
  for f in "$STATE"/pids/*.pid; do
    [[ -f $f ]] && pids+=("$(cat "$f")")
  done
  stop_pids "${HELPER_PIDS[@]}" ${K6_PID:+"$K6_PID"} "${pids[@]}"
  log "fleet stopped (${#pids[@]} processes)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Redis -----------------------------------------------------------------------------------------
start_redis() {
  "$REDIS_SERVER" --port "$FLEET_REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
    --dir "$STATE/redis" --appendonly "$FLEET_REDIS_APPENDONLY" --appendfsync everysec --save '' \
    --maxmemory-policy noeviction --logfile "$STATE/logs/redis.log" --daemonize no &
  echo $! >"$STATE/pids/redis.pid"
  local tries=100
  until redis-cli -p "$FLEET_REDIS_PORT" ping 2>/dev/null | grep -q PONG; do
    ((tries-- > 0)) || die "redis-server did not answer within 10 s (see $STATE/logs/redis.log)"
    sleep 0.1
  done
}

# --- app processes ---------------------------------------------------------------------------------
declare -A GEN
start_app() {
  local slot=$1 name
  GEN[$slot]=$((${GEN[$slot]:--1} + 1))
  name="fleet-$slot-g${GEN[$slot]}"
  env NODE_ENV=production \
    PORT=$((FLEET_APP_PORT_BASE + slot)) METRICS_PORT=$((FLEET_METRICS_PORT_BASE + slot)) \
    POD_NAME="$name" REDIS_URL="redis://127.0.0.1:$FLEET_REDIS_PORT" \
    TRUST_PROXY=1 LOG_LEVEL=warn \
    RATE_LIMIT_MAX=1000000 LOGIN_RATE_LIMIT_MAX=100000 PASSWORD_RATE_LIMIT_MAX=100000 PASSWORD_SCRYPT_COST=1024 \
    SHUTDOWN_DELAY_MS="$FLEET_SHUTDOWN_DELAY_MS" SHUTDOWN_TIMEOUT_MS=5000 \
    MAX_REQUESTS_PER_SOCKET="$FLEET_MAX_REQUESTS_PER_SOCKET" \
    "$NODE" "$ROOT/dist/server.js" >>"$STATE/logs/app-$slot.log" 2>&1 &
  echo $! >"$STATE/pids/app-$slot.pid"
  # Out of the job table: bash would report every SIGKILL as "Killed"; cleanup finds it by PID file.
  disown $!
  event start "$name"
}

app_ready() {
  curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$((FLEET_APP_PORT_BASE + $1))/readyz" 2>/dev/null
}

wait_app_ready() {
  local slot=$1 tries=150
  until app_ready "$slot"; do
    ((tries-- > 0)) || die "app slot $slot not ready within 30 s (see $STATE/logs/app-$slot.log)"
    alive "$(cat "$STATE/pids/app-$slot.pid")" || die "app slot $slot exited at start (see $STATE/logs/app-$slot.log)"
    sleep 0.2
  done
}

# --- nginx -----------------------------------------------------------------------------------------
write_nginx_conf() {
  local servers="" i user=""
  for ((i = 0; i < FLEET_APPS; i++)); do
    # One failure takes a server out for 2 s, so a dead process costs one refused connect, not one per request.
    servers+="    server 127.0.0.1:$((FLEET_APP_PORT_BASE + i)) max_fails=1 fail_timeout=2s;"$'\n'
  done
  # As root the workers would drop to nobody, who cannot write the temp paths under .run/.
  ((EUID == 0)) && user="user root root;"
  cat >"$STATE/nginx/nginx.conf" <<CONF
$user
worker_processes 1;
pid $STATE/nginx/nginx.pid;
error_log $STATE/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
  log_format upstream '\$msec \$status \$request_method \$uri "\$upstream_addr" "\$upstream_status" \$request_time';
  access_log $STATE/logs/nginx-access.log upstream buffer=64k flush=1s;
  client_body_temp_path $STATE/nginx/tmp/body;
  proxy_temp_path $STATE/nginx/tmp/proxy;
  fastcgi_temp_path $STATE/nginx/tmp/fastcgi;
  uwsgi_temp_path $STATE/nginx/tmp/uwsgi;
  scgi_temp_path $STATE/nginx/tmp/scgi;
  upstream xwing {
$servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:$FLEET_LB_PORT;
    location / {
      proxy_pass http://xwing;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
      # Retry only what provably did no harm elsewhere: a refused or reset connection or a connect
      # timeout. nginx never replays a POST that reached an upstream (no non_idempotent), and an
      # answer from the app itself (a 503 while Redis restarts) is passed on and counted by k6.
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 10s;
    }
  }
}
CONF
}

start_nginx() {
  write_nginx_conf
  "$NGINX" -t -q -p "$STATE/nginx" -e "$STATE/logs/nginx-error.log" -c "$STATE/nginx/nginx.conf"
  "$NGINX" -p "$STATE/nginx" -e "$STATE/logs/nginx-error.log" -c "$STATE/nginx/nginx.conf" -g 'daemon off;' &
  echo $! >"$STATE/pids/nginx.pid"
  local tries=50
  until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$FLEET_LB_PORT/healthz" 2>/dev/null; do
    ((tries-- > 0)) || die "nginx did not pass /healthz within 10 s (see $STATE/logs/nginx-error.log)"
    sleep 0.2
  done
}

# --- chaos -----------------------------------------------------------------------------------------
# Replaces slot's process the way a Deployment replaces a pod: the old one gets SIG, the new one
# (a new name) starts once the port is free, and the loop waits until it is ready.
replace_app() {
  local slot=$1 sig=$2 pid
  pid=$(cat "$STATE/pids/app-$slot.pid")
  kill "-$sig" "$pid"
  event "$(tr '[:upper:]' '[:lower:]' <<<"sig$sig")" "fleet-$slot-g${GEN[$slot]}"
  # SIGTERM: SHUTDOWN_DELAY_MS of serving, then a drain bounded by SHUTDOWN_TIMEOUT_MS.
  if ! wait_gone "$pid" $((FLEET_SHUTDOWN_DELAY_MS / 1000 + 10)); then
    event stuck "fleet-$slot-g${GEN[$slot]}" "still alive 10 s after SIG$sig; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5
  fi
  start_app "$slot"
  wait_app_ready "$slot"
  event ready "fleet-$slot-g${GEN[$slot]}"
}

restart_redis() {
  local pid
  pid=$(cat "$STATE/pids/redis.pid")
  event redis-stop redis "SIGTERM"
  kill -TERM "$pid"
  wait_gone "$pid" 15 || die "redis-server did not stop within 15 s"
  start_redis
  event redis-start redis "$(redis-cli -p "$FLEET_REDIS_PORT" dbsize) keys after restart"
}

chaos() {
  local round slot sig deadline
  deadline=$((SECONDS + CHAOS_WARMUP_S + CHAOS_ROUNDS * (CHAOS_INTERVAL_S + 30) + 30))
  sleep "$CHAOS_WARMUP_S"
  for ((round = 1; round <= CHAOS_ROUNDS; round++)); do
    if ! alive "$K6_PID" || ((SECONDS >= deadline)); then break; fi
    slot=$((RANDOM % FLEET_APPS))
    if ((round % 2)); then sig=TERM; else sig=KILL; fi
    replace_app "$slot" "$sig"
    if ((round == (CHAOS_ROUNDS + 1) / 2)); then
      sleep "$CHAOS_INTERVAL_S"
      alive "$K6_PID" || break
      restart_redis
    fi
    sleep "$CHAOS_INTERVAL_S"
  done
  event chaos-done fleet "$((round - 1)) rounds"
}

# --- sampler ---------------------------------------------------------------------------------------
# The fleet's counterpart of the cluster sampler, in the same JSON shape: desired = FLEET_APPS, current
# = live processes, ready = answering /readyz, restarts and deletions from the event log.
sampler() {
  local tries=$((3600 / 2)) i current ready pid starts kills
  while ((tries-- > 0)) && alive "$K6_PID"; do
    current=0 ready=0
    for ((i = 0; i < FLEET_APPS; i++)); do
      pid=$(cat "$STATE/pids/app-$i.pid" 2>/dev/null) || continue
      alive "$pid" && current=$((current + 1))
      app_ready "$i" && ready=$((ready + 1))
    done
    starts=$(grep -c '"kind":"start"' "$RUN_DIR/events.jsonl" || true)
    kills=$(grep -c '"kind":"sig' "$RUN_DIR/events.jsonl" || true)
    printf '{"ts":%s,"replicas_desired":%s,"replicas_current":%s,"pods_ready":%s,"restarts":%s,"deletions":%s,"cpu_percent":null}\n' \
      "$(now_ms)" "$FLEET_APPS" "$current" "$ready" "$((starts - FLEET_APPS))" "$kills" >>"$RUN_DIR/samples.jsonl"
    sleep 2
  done
}

# --- run -------------------------------------------------------------------------------------------
start_redis
for ((i = 0; i < FLEET_APPS; i++)); do start_app "$i"; done
for ((i = 0; i < FLEET_APPS; i++)); do wait_app_ready "$i"; done
start_nginx
export BASE_URL="http://127.0.0.1:$FLEET_LB_PORT"
jq -n --arg n "$FLEET_APPS" --arg aof "$FLEET_REDIS_APPENDONLY" \
  '{kind: "fleet", label: "\($n) app processes behind nginx, one Redis (appendonly \($aof))"}' >"$RUN_DIR/run.json"
log "fleet up: $FLEET_APPS apps behind nginx at $BASE_URL, redis on $FLEET_REDIS_PORT (appendonly $FLEET_REDIS_APPENDONLY)"

if [[ $FLEET_SMOKE == 1 ]]; then
  METRICS_URL="http://127.0.0.1:$FLEET_METRICS_PORT_BASE" MIN_REPLICAS=1 start_k6 smoke.js smoke
  smoke_rc=0
  wait "$K6_PID" || smoke_rc=$?
  unset K6_PID
  ((smoke_rc == 0)) || die "smoke failed (k6 exit $smoke_rc); not starting churn"
fi

: "${MIN_REPLICAS:=$FLEET_APPS}"
export MIN_REPLICAS
# Bounded even if k6 hangs: its own duration plus setup and grace.
K6_TIMEOUT_S=$(($(duration_s "$DURATION") + 300)) start_k6 churn.js churn
wait_k6_load 240 || die "k6 never started its load (setup failed?)"
event load-start k6
sampler &
HELPER_PIDS+=($!)
chaos &
chaos_pid=$!
HELPER_PIDS+=("$chaos_pid")

wait_k6_end
check_rc=0
wait_helper "$chaos_pid" 60 || { log "the chaos loop failed: a replacement did not come up"; check_rc=1; }
stop_pids "${HELPER_PIDS[@]}"
HELPER_PIDS=()
require_events sigterm sigkill redis-start || check_rc=1
if grep -q '"kind":"stuck"' "$RUN_DIR/events.jsonl"; then
  log "a process ignored SIGTERM for 10 s (graceful shutdown is broken)"
  check_rc=1
fi
cp "$STATE/logs/nginx-access.log" "$RUN_DIR/nginx-access.log" 2>/dev/null || true
finish_run "$check_rc"
