#!/bin/sh
# preStop of the sentinel container. Kubernetes stops both containers of the pod at once, but
# when this pod's Redis is the primary its preStop (prestop-redis.sh) asks this Sentinel for the
# failover: the Sentinel must keep running until the failover is done and its peers know the new
# primary, or they would go on monitoring a primary that is about to vanish. Bounded by
# PRESTOP_TIMEOUT_SECONDS, like the Redis preStop.
#   PRESTOP_TIMEOUT_SECONDS, and those listed in lib.sh.
. "$(dirname "$0")/lib.sh"

deadline=$(($(seconds_now) + PRESTOP_TIMEOUT_SECONDS))

# Decided once, before the handover changes the answer: after it, this node is no longer a
# primary with replicas, but the peers may not have heard yet.
if handed_over || ! primary_with_replica; then
  exit 0
fi
until handed_over; do
  if [ "$(seconds_now)" -ge "$deadline" ]; then
    log "no other primary within ${PRESTOP_TIMEOUT_SECONDS}s"
    exit 1
  fi
  sleep 0.5
done
