#!/bin/sh
# Probes of the sentinel container: `probe-sentinel.sh alive` (liveness) and
# `probe-sentinel.sh ready` (readiness).
#   alive: Sentinel answers PING.
#   ready: it also reaches enough Sentinels to agree that the primary is down and to authorise a
#          failover (SENTINEL CKQUORUM). While it does not, the pod is not ready, and the
#          PodDisruptionBudget holds further disruptions.
#   LOCAL_HOST, SENTINEL_PORT, SENTINEL_MASTER_NAME, REDIS_PASSWORD (see lib.sh).
. "$(dirname "$0")/lib.sh"

pong=$(cli "$LOCAL_HOST" "$SENTINEL_PORT" PING 2>&1) || true
if [ "$pong" != PONG ]; then
  echo "sentinel: $pong"
  exit 1
fi
case ${1:-} in
  alive) exit 0 ;;
  ready)
    quorum=$(cli "$LOCAL_HOST" "$SENTINEL_PORT" SENTINEL CKQUORUM "$SENTINEL_MASTER_NAME" 2>&1) && exit 0
    echo "sentinel: $quorum"
    exit 1
    ;;
  *)
    echo "usage: probe-sentinel.sh alive|ready" >&2
    exit 2
    ;;
esac
