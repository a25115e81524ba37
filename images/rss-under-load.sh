#!/usr/bin/env bash
# Usage: rss-under-load.sh IMAGE [REDIS_IMAGE]
# The image as a pod runs it: the chart's memory limit (V8 sizes its heap from it, so peak RSS on
# an unlimited machine says little about a pod), one CPU, read-only root, uid 1000, next to Redis.
# Then wrk's load of make bench on GET /auth/session from the other CPU: 3 s of warm-up, 10 s
# measured; prints req/s, the app's CPU µs per request and its peak RSS (VmHWM, read from the host).
# XWING_NODE_OPTIONS replaces the image's NODE_OPTIONS, for A/B runs of its runtime settings.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
image="$1"
redis_image="${2:-redis:7.4-bookworm}"
node="$root/.tools/node/bin/node"
limit="$(grep -A3 '^  limits:' "$root/charts/xwing/values.yaml" | awk '/memory:/ { print $2; exit }')"
memory="$(sed 's/Mi$/m/; s/Gi$/g/' <<<"$limit")"
app="xwing-rss-app-$$"
redis="xwing-rss-redis-$$"
command -v wrk >/dev/null || { echo "rss-under-load: wrk is missing (make bench-deps)" >&2; exit 1; }

cleanup() { docker rm -f "$app" "$redis" >/dev/null 2>&1 || true; }
trap cleanup EXIT
free_port() { "$node" -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
redis_port="$(free_port)"
port="$(free_port)"

# Host networking: the load stays on loopback and no bridge sits between wrk and the app.
docker run -d --name "$redis" --network host --cpuset-cpus=1 "$redis_image" \
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no >/dev/null
options=()
if [ -n "${XWING_NODE_OPTIONS+set}" ]; then options=(-e "NODE_OPTIONS=$XWING_NODE_OPTIONS"); fi
docker run -d --name "$app" --network host --cpuset-cpus=0 --memory="$memory" \
  --read-only --tmpfs /tmp --user 1000:1000 --cap-drop ALL --security-opt no-new-privileges \
  -e PORT="$port" -e METRICS_PORT="$(free_port)" -e REDIS_URL="redis://127.0.0.1:$redis_port" -e LOG_LEVEL=info \
  -e RATE_LIMIT_MAX=10000000 -e PASSWORD_RATE_LIMIT_MAX=10000000 -e LOGIN_RATE_LIMIT_MAX=10000000 \
  "${options[@]}" "$image" >/dev/null
url="http://127.0.0.1:$port"
token="$("$node" "$root/images/session-token.ts" "$url" 30)" ||
  { docker logs --tail 20 "$app" >&2; echo "rss-under-load: no session (see above)" >&2; exit 1; }
pid="$(docker inspect -f '{{.State.Pid}}' "$app")"
load() { taskset -c 1 wrk -t1 -c100 -d"$1"s -H "Authorization: Bearer $token" "$url/auth/session"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

load 3 >/dev/null
before="$(ticks)"
out="$(load 10)"
after="$(ticks)"
requests="$(awk '/requests in/ { print $1 }' <<<"$out")"
non2xx="$(awk '/Non-2xx/ { print $NF }' <<<"$out")"
[ -z "$non2xx" ] || { echo "rss-under-load: $non2xx non-2xx answers" >&2; exit 1; }
hz="$(getconf CLK_TCK)"
settings="NODE_OPTIONS=${XWING_NODE_OPTIONS-as in the image}"
echo "rss-under-load: $image, memory limit $limit (the chart's), $settings:" \
  "$(awk '/Requests\/sec/ { printf "%d", $2 }' <<<"$out") req/s," \
  "$(( (after - before) * 1000000 / hz / requests )) µs CPU per request," \
  "peak RSS $(( $(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status") / 1024 )) MB"
