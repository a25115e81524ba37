#!/usr/bin/env bash
# Usage: smoke-test.sh IMAGE [REDIS_IMAGE]
# Runs the built image the way the chart does (read-only root FS, writable /tmp only, uid
# 1000, no capabilities) next to a password-protected Redis, then reports the image size and
# the time from `docker run` to the first /readyz 200, walks the session flow (both on the
# harness's client: smoke-client.ts), checks that node is PID 1, runs the chart's `helm test`
# client, and checks that SIGTERM ends the container with exit code 0.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
image="$1"
redis_image="${2:-redis:7.4-bookworm}"
ready_timeout_s="${SMOKE_READY_TIMEOUT_S:-60}"
net="xwing-smoke-$$"
app="xwing-smoke-app-$$"
redis="xwing-smoke-redis-$$"
password="smoke-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

cleanup() {
  docker rm -f "$app" "$redis" >/dev/null 2>&1 || true
  docker network rm "$net" >/dev/null 2>&1 || true
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
fail() {
  echo "smoke: FAIL: $*" >&2
  docker logs --tail 30 "$app" >&2 2>&1 || true
  exit 1
}

size_bytes="$(docker image inspect -f '{{.Size}}' "$image")"
echo "smoke: image $image is $((size_bytes / 1000000)) MB"

docker network create "$net" >/dev/null
docker run -d --name "$redis" --network "$net" --network-alias redis --user 999:999 --read-only \
  --tmpfs /data:uid=999 "$redis_image" redis-server --requirepass "$password" --appendonly yes --dir /data >/dev/null

start="$(now_ms)"
docker run -d --name "$app" --network "$net" -p "127.0.0.1::8080" \
  --read-only --tmpfs /tmp --user 1000:1000 --cap-drop ALL --security-opt no-new-privileges \
  -e REDIS_URL=redis://redis:6379 -e REDIS_PASSWORD="$password" -e SHUTDOWN_DELAY_MS=1000 \
  "$image" >/dev/null

# Docker picked a free loopback port.
port="$(docker port "$app" 8080/tcp | head -n 1 | sed 's/.*://')"
"$root/.tools/node/bin/node" "$root/images/smoke-client.ts" "http://127.0.0.1:$port" "$app" "$start" "$ready_timeout_s" ||
  fail "the HTTP checks failed"

pid1="$(docker exec "$app" cat /proc/1/cmdline | tr '\0' ' ')"
case "$pid1" in
  "node dist/server.js "*) echo "smoke: PID 1 is '$pid1'" ;;
  *) fail "PID 1 is '$pid1', not node dist/server.js" ;;
esac
[ "$(docker exec "$app" id -u)" = 1000 ] || fail "the app does not run as uid 1000"

# The chart's `helm test` client, run from the same image against this container, so a broken
# client shows up here rather than on a cluster.
docker run --rm --network "$net" --read-only --user 1000:1000 --cap-drop ALL \
  -v "$root/charts/xwing/files/tests/session-test.mjs:/xwing-test/session-test.mjs:ro" \
  -e XWING_URL="http://$app:8080" "$image" node /xwing-test/session-test.mjs ||
  fail "the chart's helm test client failed against the container"
echo "smoke: the chart's helm test client passes against the container"

stop_start="$(now_ms)"
docker stop -t 30 "$app" >/dev/null
exit_code="$(docker inspect -f '{{.State.ExitCode}}' "$app")"
[ "$exit_code" = 0 ] || fail "SIGTERM ended the app with exit code $exit_code"
echo "smoke: SIGTERM -> exit 0 in $(($(now_ms) - stop_start)) ms (SHUTDOWN_DELAY_MS=1000)"
