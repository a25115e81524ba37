#!/usr/bin/env bash
# Makes sure a Docker daemon answers: installs docker.io from Debian if missing and starts
# dockerd in the background when no init system runs it (CI and these machines have none).
set -euo pipefail

wait_s="${DOCKER_UP_WAIT_S:-60}"
log="${DOCKER_LOG:-/var/log/xwing-dockerd.log}"

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/sbin/dockerd ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "docker-up: dockerd is missing; install docker.io (or Docker Engine) first" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null
fi
PATH="$PATH:/usr/sbin:/sbin"

if ! pgrep -x dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "docker-up: no Docker daemon answers and starting one needs root" >&2
    exit 1
  fi
  # setsid detaches the daemon from this shell's job control so it outlives make.
  setsid dockerd >"$log" 2>&1 </dev/null &
fi

for _ in $(seq 1 "$wait_s"); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
echo "docker-up: dockerd did not answer within ${wait_s}s; last lines of $log:" >&2
tail -n 20 "$log" >&2 || true
exit 1
