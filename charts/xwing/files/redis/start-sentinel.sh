#!/bin/sh
# Starts this pod's Sentinel. Sentinel rewrites its config file as it learns (failovers, peers),
# so the file is written here, on writable storage (SENTINEL_CONF_DIR, memory: it holds the
# password), never read from the read-only ConfigMap mount. It is written afresh on every start
# from what the running Sentinels say, or, when none answers, with node 0 as the primary: the
# same rule start-redis.sh follows.
#   SENTINEL_CONF_DIR, REDIS_BIND, SENTINEL_QUORUM, SENTINEL_DOWN_AFTER_MS,
#   SENTINEL_FAILOVER_TIMEOUT_MS, SENTINEL_PARALLEL_SYNCS, and those listed in lib.sh.
. "$(dirname "$0")/lib.sh"

# A Sentinel's ID, derived from its address: a restarted Sentinel keeps its identity, so its
# peers do not collect a stale entry for every restart.
sentinel_id() {
  printf '%s' "$1" | sha1sum | cut -c1-40
}

# Sentinel refuses to load a config that names a host it cannot resolve. A pod's DNS record
# appears shortly after the pod does, so the primary's name is waited for (bounded) and peers
# that do not resolve yet are left out: Sentinel discovers them by itself once they run.
resolves() {
  getent hosts "$1" >/dev/null 2>&1
}

if view=$(settled_view); then
  log "Sentinels name the primary (epoch ${view%% *}): ${view#* }"
else
  view="0 $(first_node)"
  log "no Sentinel answered: monitoring node 0"
fi
# shellcheck disable=SC2086 # "epoch host port" split on purpose
set -- $view
epoch=$1 primary_host=$2 primary_port=$3
for attempt in $(seq 1 30); do
  resolves "$primary_host" && break
  [ "$attempt" -eq 30 ] && { log "the primary's name $primary_host does not resolve"; exit 1; }
  sleep 1
done

name=$SENTINEL_MASTER_NAME
umask 077
conf="$SENTINEL_CONF_DIR/sentinel.conf"
{
  printf 'port %s\n' "$SENTINEL_PORT"
  printf 'bind %s\n' "$REDIS_BIND"
  printf 'dir %s\n' "$(quoted "$SENTINEL_CONF_DIR")"
  # Sentinel's own password: clients and the other Sentinels authenticate with the same one.
  printf 'requirepass %s\n' "$(quoted "$REDIS_PASSWORD")"
  printf 'sentinel myid %s\n' "$(sentinel_id "$ANNOUNCE_HOST:$SENTINEL_PORT")"
  # Names, never IPs: replicas announce their pod's name and Sentinels resolve it on use, so a
  # pod that comes back with a new IP is still found.
  printf 'sentinel resolve-hostnames yes\n'
  printf 'sentinel announce-hostnames yes\n'
  printf 'sentinel announce-ip %s\n' "$ANNOUNCE_HOST"
  printf 'sentinel announce-port %s\n' "$SENTINEL_PORT"
  printf 'sentinel monitor %s %s %s %s\n' "$name" "$primary_host" "$primary_port" "$SENTINEL_QUORUM"
  printf 'sentinel auth-pass %s %s\n' "$name" "$(quoted "$REDIS_PASSWORD")"
  printf 'sentinel down-after-milliseconds %s %s\n' "$name" "$SENTINEL_DOWN_AFTER_MS"
  printf 'sentinel failover-timeout %s %s\n' "$name" "$SENTINEL_FAILOVER_TIMEOUT_MS"
  printf 'sentinel parallel-syncs %s %s\n' "$name" "$SENTINEL_PARALLEL_SYNCS"
  printf 'sentinel config-epoch %s %s\n' "$name" "$epoch"
  # Known from the start rather than after the first hello messages: a Sentinel that starts
  # while the primary is down can still count its peers and fail over to a known replica.
  for node in $(entries "$REDIS_NODES"); do
    node_host=$(host_of "$node")
    node_port=$(port_of "$node")
    if { [ "$node_host" != "$primary_host" ] || [ "$node_port" != "$primary_port" ]; } && resolves "$node_host"; then
      printf 'sentinel known-replica %s %s %s\n' "$name" "$node_host" "$node_port"
    fi
  done
  for peer in $(entries "$SENTINEL_NODES"); do
    peer_host=$(host_of "$peer")
    peer_port=$(port_of "$peer")
    if { [ "$peer_host" != "$ANNOUNCE_HOST" ] || [ "$peer_port" != "$SENTINEL_PORT" ]; } && resolves "$peer_host"; then
      printf 'sentinel known-sentinel %s %s %s %s\n' "$name" "$peer_host" "$peer_port" "$(sentinel_id "$peer")"
    fi
  done
} >"$conf.new"
mv "$conf.new" "$conf"
exec redis-server "$conf" --sentinel
