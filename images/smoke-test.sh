#!/usr/bin/env bash
# Usage: smoke-test.sh IMAGE [REDIS_IMAGE]
# Runs the built image the way the chart does (read-only root FS, writable /tmp only, uid
# 1000, no capabilities) next to a password-protected Redis, then reports the image size and
# the time from `docker run` to the first /readyz 200, checks that node is PID 1, walks the
# session flow, and checks that SIGTERM ends the container with exit code 0.
set -euo pipefail

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
ready_ms=""
deadline=$(($(now_ms) + ready_timeout_s * 1000))
while [ "$(now_ms)" -lt "$deadline" ]; do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz")" = 200 ]; then
    ready_ms=$(($(now_ms) - start))
    break
  fi
  if [ "$(docker inspect -f '{{.State.Running}}' "$app")" != true ]; then
    fail "the container exited before it was ready"
  fi
  sleep 0.05
done
[ -n "$ready_ms" ] || fail "/readyz never answered 200 within ${ready_timeout_s}s"
echo "smoke: docker run -> /readyz 200 in ${ready_ms} ms"

pid1="$(docker exec "$app" cat /proc/1/cmdline | tr '\0' ' ')"
case "$pid1" in
  "node dist/server.js "*) echo "smoke: PID 1 is '$pid1'" ;;
  *) fail "PID 1 is '$pid1', not node dist/server.js" ;;
esac
[ "$(docker exec "$app" id -u)" = 1000 ] || fail "the app does not run as uid 1000"

base="http://127.0.0.1:$port"
creds='{"username":"smokeuser","password":"smoke-password-123456"}'
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'content-type: application/json' -d "$creds" "$base/auth/register")"
[ "$code" = 201 ] || fail "register answered $code"
token="$(curl -s --max-time 5 -H 'content-type: application/json' -d "$creds" "$base/auth/login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')"
[ -n "$token" ] || fail "login gave no token"
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "authorization: Bearer $token" "$base/auth/session")"
[ "$code" = 200 ] || fail "session answered $code"
echo "smoke: register, login and session work against the password-protected Redis"

# The chart's `helm test` Pod script, run from the same image against this container, so a
# broken test script shows up here rather than on a cluster.
if command -v helm >/dev/null 2>&1; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  script="$(helm template smoke "$root/charts/xwing" --show-only templates/tests/test-session.yaml |
    /usr/bin/python3 -c 'import sys, yaml; print(yaml.safe_load(sys.stdin)["spec"]["containers"][0]["args"][0])')"
  docker run --rm --network "$net" --read-only --user 1000:1000 --cap-drop ALL \
    -e XWING_URL="http://$app:8080" "$image" node --input-type=module -e "$script" ||
    fail "the chart's helm test script failed against the container"
  echo "smoke: the chart's helm test script passes against the container"
fi

stop_start="$(now_ms)"
docker stop -t 30 "$app" >/dev/null
exit_code="$(docker inspect -f '{{.State.ExitCode}}' "$app")"
[ "$exit_code" = 0 ] || fail "SIGTERM ended the app with exit code $exit_code"
echo "smoke: SIGTERM -> exit 0 in $(($(now_ms) - stop_start)) ms (SHUTDOWN_DELAY_MS=1000)"
