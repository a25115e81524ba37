#!/usr/bin/env bash
# Runs the built service on this machine. Without REDIS_URL it starts a private redis-server
# (append-only, under .run/redis) on REDIS_PORT (default 6379) and stops it on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

redis_pid=""
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT INT TERM

if [ -z "${REDIS_URL:-}" ]; then
  port="${REDIS_PORT:-6379}"
  if redis-cli -p "$port" ping >/dev/null 2>&1; then
    echo "run-local: using the Redis already answering on 127.0.0.1:$port" >&2
  else
    mkdir -p .run/redis
    redis-server --port "$port" --bind 127.0.0.1 --dir "$root/.run/redis" \
      --appendonly yes --maxmemory-policy noeviction --save '' --daemonize no \
      --logfile "$root/.run/redis/redis.log" &
    redis_pid=$!
    for _ in $(seq 1 50); do
      redis-cli -p "$port" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    redis-cli -p "$port" ping >/dev/null || { echo "run-local: redis-server did not start; see .run/redis/redis.log" >&2; exit 1; }
    echo "run-local: started redis-server on 127.0.0.1:$port (data in .run/redis)" >&2
  fi
  export REDIS_URL="redis://127.0.0.1:$port"
fi

# The project's Node 24, not whatever `node` is first on PATH: the machine's Node 20 lacks APIs the
# service uses (module.findPackageJSON) and would crash when this script is run outside make.
node_bin="$root/.tools/node/bin/node"
[ -x "$node_bin" ] || { echo "run-local: $node_bin is missing; run 'make run' (or 'make node')" >&2; exit 1; }

echo "run-local: xwing on http://127.0.0.1:${PORT:-8080}, metrics on :${METRICS_PORT:-9464}/metrics (Ctrl-C stops both)" >&2
"$node_bin" dist/server.js &
app_pid=$!
trap 'kill -TERM "$app_pid" 2>/dev/null; wait "$app_pid"; cleanup' INT TERM
wait "$app_pid"
