#!/bin/sh
# preStop of the redis container. When this node is the primary and a replica streams from it,
# hand the primary over before Kubernetes stops it, so a pod deletion or a node drain costs a
# moment of paused writes instead of Sentinel's detection time:
#   1. CLIENT PAUSE WRITE: no write lands here any more. A plain SENTINEL FAILOVER lets writes
#      that arrive after the promotion land on this node and vanish.
#   2. Wait (briefly) until every replica has applied all the writes: Sentinel promotes the
#      replica it believes most up to date, and nothing acknowledged may be missing there.
#   3. Ask the Sentinels that name this node as the primary for a failover, until another node
#      is primary.
#   4. Do at once what Sentinel would do seconds later: make this node a replica of the new
#      primary and close its clients' connections, so that they ask the Sentinels again and find
#      the new primary now rather than when the pause ends. Their paused writes never ran here.
#   5. Wait until every Sentinel that answers names the new primary, so that none goes on
#      watching this node once it is gone.
# Bounded by PRESTOP_TIMEOUT_SECONDS (inside terminationGracePeriodSeconds). When no other node
# becomes primary in time, writes resume here and Sentinel's own detection takes over after the
# stop.
#   PRESTOP_TIMEOUT_SECONDS, and those listed in lib.sh.
. "$(dirname "$0")/lib.sh"

deadline=$(($(seconds_now) + PRESTOP_TIMEOUT_SECONDS))

if ! primary_with_replica; then
  log "not a primary with a replica: nothing to hand over"
  exit 0
fi

cli "$LOCAL_HOST" "$REDIS_PORT" CLIENT PAUSE $((PRESTOP_TIMEOUT_SECONDS * 1000)) WRITE >/dev/null
log "writes paused; handing the primary over"

# True when every node that replicates from this one, asked directly, has applied all of this
# node's writes (the offsets a primary lists for its replicas lag by up to a second).
replicas_caught_up() {
  offset=$(local_info master_repl_offset)
  [ -n "$offset" ] || return 1
  for node in $(entries "$REDIS_NODES"); do
    node_host=$(host_of "$node")
    node_port=$(port_of "$node")
    is_self "$node_host" "$node_port" && continue
    info=$(cli "$node_host" "$node_port" INFO replication 2>/dev/null | tr -d '\r') || continue
    printf '%s\n' "$info" | grep -qx "master_host:$ANNOUNCE_HOST" || continue
    printf '%s\n' "$info" | grep -qx "master_port:$REDIS_PORT" || continue
    printf '%s\n' "$info" | grep -qx 'master_link_status:up' || continue
    applied=$(printf '%s\n' "$info" | sed -n 's/^slave_repl_offset://p')
    [ "${applied:-0}" -ge "$offset" ] || return 1
  done
}

# A replica that does not catch up within a few seconds is left to Sentinel's choice rather than
# holding the handover.
sync_deadline=$(($(seconds_now) + 3))
until replicas_caught_up || [ "$(seconds_now)" -ge "$sync_deadline" ]; do
  sleep 0.05
done

# Asks the Sentinels whose newest view still names this node; once any Sentinel has moved on,
# asking again would fail over the new primary instead.
request_failover() {
  view=$(newest_view) || return 0
  # shellcheck disable=SC2086 # "epoch host port" split on purpose
  set -- $view
  is_self "$2" "$3" || return 0
  # The other pods' Sentinels first, this pod's last: on a forced deletion this pod's Sentinel
  # can be killed right after promoting a replica and before announcing it, which left a primary
  # no Sentinel named for up to 11 s on the cluster (the others had to demote it again).
  others=''
  for sentinel in $(entries "$SENTINEL_NODES"); do
    [ "$sentinel" = "$ANNOUNCE_HOST:$SENTINEL_PORT" ] || others="$others $sentinel"
  done
  for sentinel in $others "$LOCAL_HOST:$SENTINEL_PORT"; do
    target_host=$(host_of "$sentinel")
    target_port=$(port_of "$sentinel")
    view=$(sentinel_view "$target_host" "$target_port") || continue
    # shellcheck disable=SC2086 # "epoch host port" split on purpose
    set -- $view
    is_self "$2" "$3" || continue
    reply=$(cli "$target_host" "$target_port" SENTINEL FAILOVER "$SENTINEL_MASTER_NAME" 2>&1) && return 0
    case $reply in
      INPROG*) return 0 ;;
    esac
    log "Sentinel $sentinel: $reply"
  done
}

# Prints "<host> <port>" of the new primary once the newest view names another node and that
# node reports itself primary.
new_primary() {
  view=$(newest_view) || return 1
  # shellcheck disable=SC2086 # "epoch host port" split on purpose
  set -- $view
  is_self "$2" "$3" && return 1
  [ "$(cli "$2" "$3" ROLE 2>/dev/null | head -n 1)" = master ] || return 1
  printf '%s %s\n' "$2" "$3"
}

until primary=$(new_primary); do
  if [ "$(seconds_now)" -ge "$deadline" ]; then
    log "no other primary within ${PRESTOP_TIMEOUT_SECONDS}s: resuming writes"
    cli "$LOCAL_HOST" "$REDIS_PORT" CLIENT UNPAUSE >/dev/null || true
    exit 1
  fi
  request_failover
  sleep 0.2
done
# shellcheck disable=SC2086 # "host port" split on purpose
set -- $primary
printf 'MULTI\nREPLICAOF %s %s\nCLIENT KILL TYPE normal\nCLIENT KILL TYPE pubsub\nEXEC\n' "$1" "$2" |
  timeout 2 redis-cli -h "$LOCAL_HOST" -p "$REDIS_PORT" >/dev/null
cli "$LOCAL_HOST" "$REDIS_PORT" CLIENT UNPAUSE >/dev/null
log "$1:$2 is the primary; this node now replicates from it"

until handed_over; do
  if [ "$(seconds_now)" -ge "$deadline" ]; then
    log "not every Sentinel names $1:$2 within ${PRESTOP_TIMEOUT_SECONDS}s"
    exit 1
  fi
  sleep 0.2
done
log "every Sentinel names $1:$2"
