# shellcheck shell=bash
# Used by loadtest/cluster/run.sh: run folder, event log, k6 in the
# background with its REST API on loopback, and PID bookkeeping for cleanup. Source it; it defines
# functions and needs ROOT set.

K6=${K6:-$ROOT/.tools/bin/k6}
# The report is TypeScript, run by type stripping: the pinned Node 24 (make node), not the shell's node.
NODE=${NODE:-$ROOT/.tools/node/bin/node}
K6_API_PORT=${K6_API_PORT:-16565}
# Tags kept on every streamed sample: enough for the report, small enough to keep the stream cheap.
K6_SYSTEM_TAGS=status,method,name,scenario,expected_response,error_code,check

now_ms() { date +%s%3N; }

log() { printf '[%s] %s\n' "$(date -u +%T)" "$*" >&2; }

die() {
  log "error: $*"
  exit 1
}

# new_run_dir KIND: sets RUN_ID and RUN_DIR (results/<utc-time>-<kind>) and creates it.
new_run_dir() {
  RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)-$1"
  RUN_DIR="$ROOT/results/$RUN_ID"
  mkdir -p "$RUN_DIR"
  : >"$RUN_DIR/events.jsonl"
  : >"$RUN_DIR/samples.jsonl"
  export RUN_ID RUN_DIR
}

# event KIND TARGET [DETAIL]: one JSON line in the run's event log (the report marks these).
event() {
  printf '{"ts":%s,"kind":"%s","target":"%s","detail":"%s"}\n' "$(now_ms)" "$1" "$2" "${3:-}" >>"$RUN_DIR/events.jsonl"
  log "event $1 $2 ${3:-}"
}

alive() {
  local pid=$1 state
  [[ -r /proc/$pid/stat ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# wait_gone PID SECONDS: true once PID has exited.
wait_gone() {
  local pid=$1 tries=$(($2 * 10))
  while ((tries-- > 0)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  ! alive "$pid"
}

# stop_pids PID...: SIGTERM, a bounded wait, then SIGKILL for whatever is left.
stop_pids() {
  local pid
  for pid in "$@"; do
    if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "$@"; do wait_gone "$pid" 15 || kill -KILL "$pid" 2>/dev/null || true; done
}

# duration_s 90s|2m|1h: seconds in a k6 duration of one unit.
duration_s() {
  local d=$1
  case $d in
    *s) echo "${d%s}" ;;
    *m) echo $((${d%m} * 60)) ;;
    *h) echo $((${d%h} * 3600)) ;;
    *) die "duration $d: use a number with s, m or h" ;;
  esac
}

# start_k6 SCRIPT NAME [k6 args...]: k6 in the background, ended by SIGINT after K6_TIMEOUT_S (default
# one hour); sets K6_PID. The streamed samples go to $RUN_DIR/k6-NAME.json.gz for the time series.
start_k6() {
  local script=$1 name=$2
  shift 2
  [[ -x $K6 ]] || die "k6 not found at $K6 (make k6)"
  timeout --signal=INT --kill-after=30 "${K6_TIMEOUT_S:-3600}" "$K6" run --quiet --address "127.0.0.1:$K6_API_PORT" \
    --system-tags "$K6_SYSTEM_TAGS" --out "json=$RUN_DIR/k6-$name.json.gz" \
    "$@" "$ROOT/loadtest/$script" &
  K6_PID=$!
}

# k6_status: k6's execution status from its REST API as a number (6 setup, 7 running, 8 teardown,
# 9 ended), empty if unreachable.
k6_status() {
  curl -fsS --max-time 1 "http://127.0.0.1:$K6_API_PORT/v1/status" 2>/dev/null |
    jq -r '.data.attributes.status // empty' 2>/dev/null || true
}

# wait_k6_load SECONDS: returns 0 once k6 has finished setup() and drives load, 1 if it never did.
wait_k6_load() {
  local tries=$(($1 * 5)) status
  while ((tries-- > 0)); do
    alive "$K6_PID" || return 1
    status=$(k6_status)
    if [[ $status =~ ^[0-9]+$ ]] && ((status >= 7)); then return 0; fi
    sleep 0.2
  done
  return 1
}

# wait_k6_end: waits for k6, logs load-end and sets K6_RC (99: a threshold failed).
wait_k6_end() {
  K6_RC=0
  wait "$K6_PID" || K6_RC=$?
  event load-end k6 "exit $K6_RC"
  unset K6_PID
}

# wait_helper PID SECONDS: the exit status of a background helper that should end by itself within
# SECONDS; 1 if it overran (the caller stops it).
wait_helper() {
  local rc=0
  if wait_gone "$1" "$2"; then
    wait "$1" || rc=$?
  else
    log "helper $1 still busy $2 s after k6 ended"
    rc=1
  fi
  return "$rc"
}

# require_events KIND...: a churn run that did not churn proves nothing; 1 if any KIND never happened.
require_events() {
  local kind rc=0
  for kind in "$@"; do
    if ! grep -q "\"kind\":\"$kind\"" "$RUN_DIR/events.jsonl"; then
      log "chaos plan incomplete: no $kind event"
      rc=1
    fi
  done
  return "$rc"
}

# finish_run CHECK_RC: renders the report and exits with k6's status if it failed, else 1 when the
# run's own checks failed, else the report's status.
finish_run() {
  local check_rc=$1 report_rc=0
  "$NODE" "$ROOT/loadtest/report/report.ts" "$RUN_DIR" || report_rc=$?
  if ((K6_RC != 0)); then
    log "k6 failed (exit $K6_RC: 99 means a threshold failed)"
    exit "$K6_RC"
  fi
  ((check_rc == 0)) || exit 1
  exit "$report_rc"
}
