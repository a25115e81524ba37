#!/bin/sh
# Probes of the redis container: `probe-redis.sh alive` (startup and liveness) and
# `probe-redis.sh ready` (readiness).
#   alive: the server answers PING; LOADING (reading a large append-only file, or a replica
#          loading what its primary sent) is alive, just not ready.
#   ready: the server answers PING, and a replica is also in sync with its primary (link up, no
#          transfer under way). The PodDisruptionBudget counts only ready pods, so the next
#          disruption waits until a replica that could be promoted holds the data.
#   LOCAL_HOST, REDIS_PORT, REDIS_PASSWORD (see lib.sh).
. "$(dirname "$0")/lib.sh"

pong=$(cli "$LOCAL_HOST" "$REDIS_PORT" PING 2>&1) || true
case ${1:-} in
  alive)
    case $pong in
      PONG | LOADING*) exit 0 ;;
    esac
    ;;
  ready)
    if [ "$pong" = PONG ]; then
      role=$(local_info role)
      [ "$role" = master ] && exit 0
      link=$(local_info master_link_status)
      syncing=$(local_info master_sync_in_progress)
      [ "$role" = slave ] && [ "$link" = up ] && [ "$syncing" = 0 ] && exit 0
      pong="replica not in sync (link ${link:-?}, sync in progress ${syncing:-?})"
    fi
    ;;
  *)
    echo "usage: probe-redis.sh alive|ready" >&2
    exit 2
    ;;
esac
echo "redis: $pong"
exit 1
