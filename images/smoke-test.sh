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
# Timed with curl every 10 ms: a poll costs a few ms, where the client's (a Node start, then a
# docker inspect per poll) would add a few hundred to what is measured. Whether the container
# still runs is asked only every 25th poll, as docker inspect itself takes about 100 ms.
deadline=$((start + ready_timeout_s * 1000))
polls=0
until curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/readyz"; do
  [ "$(now_ms)" -lt "$deadline" ] || fail "no /readyz 200 within ${ready_timeout_s} s"
  polls=$((polls + 1))
  if [ $((polls % 25)) = 0 ] && [ "$(docker inspect -f '{{.State.Running}}' "$app")" != true ]; then
    fail "the container exited before it was ready"
  fi
  sleep 0.01
done
echo "smoke: docker run -> /readyz 200 in $(($(now_ms) - start)) ms"
"$root/.tools/node/bin/node" "$root/images/smoke-client.ts" "http://127.0.0.1:$port" "$app" "$start" "$ready_timeout_s" ||
  fail "the HTTP checks failed"

# Read from the host: the image has no shell, cat or id to run inside it.
host_pid="$(docker inspect -f '{{.State.Pid}}' "$app")"
pid1="$(tr '\0' ' ' <"/proc/$host_pid/cmdline")"
case "$pid1" in
  "node dist/server.js "*) echo "smoke: PID 1 is '$pid1'" ;;
  *) fail "PID 1 is '$pid1', not node dist/server.js" ;;
esac
uid="$(awk '/^Uid:/ { print $2 }' "/proc/$host_pid/status")"
[ "$uid" = 1000 ] || fail "the app runs as uid $uid, not 1000"

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
