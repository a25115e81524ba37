#!/bin/sh
# Starts redis-server. Writes the config it runs with into REDIS_RUN_DIR (memory, never a disk:
# it holds the password): the chart's config (REDIS_CONFIG: the shared settings, then the values),
# then what only this instance knows: where it listens and keeps its data, its password and, with
# replication, its role.
#   REDIS_CONFIG, REDIS_RUN_DIR, REDIS_BIND, REDIS_DATA_DIR, and those listed in lib.sh.
#
# The role with replication: the Sentinels that answer say who the primary is (the newest view
# wins); this node replicates from it, or stays primary if they name this node. Only when no
# Sentinel answers at all (the first start, or every pod down at once) does node 0 become the
# primary. So a node that restarts after a failover comes back as a replica, never as a second
# primary.
. "$(dirname "$0")/lib.sh"

# Tries a few times: on a restart the Sentinels of the other pods may take a moment to answer.
primary_for_start() {
  for attempt in 1 2 3; do
    if view=$(settled_view); then
      log "Sentinels name the primary (epoch ${view%% *}): ${view#* }"
      printf '%s\n' "${view#* }"
      return 0
    fi
    [ "$attempt" -lt 3 ] && sleep 1
  done
  log "no Sentinel answered: node 0 is the primary"
  first_node
}

umask 077
conf="$REDIS_RUN_DIR/redis.conf"
{
  printf 'include %s\n' "$(quoted "$REDIS_CONFIG")"
  printf 'bind %s\n' "$REDIS_BIND"
  printf 'port %s\n' "$REDIS_PORT"
  printf 'dir %s\n' "$(quoted "$REDIS_DATA_DIR")"
  printf 'requirepass %s\n' "$(quoted "$REDIS_PASSWORD")"
  if replicated; then
    printf 'masterauth %s\n' "$(quoted "$REDIS_PASSWORD")"
    # The replica lists that Sentinel reads carry this name, so a pod that comes back with a new
    # IP is still the same replica.
    printf 'replica-announce-ip %s\n' "$ANNOUNCE_HOST"
    primary=$(primary_for_start)
    # shellcheck disable=SC2086 # "host port" split on purpose
    set -- $primary
    if is_self "$1" "$2"; then
      log "role: primary"
    else
      log "role: replica of $1:$2"
      printf 'replicaof %s %s\n' "$1" "$2"
    fi
  fi
} >"$conf.new"
mv "$conf.new" "$conf"
exec redis-server "$conf"
