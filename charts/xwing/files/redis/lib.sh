# Sourced by every script of the Redis pods (POSIX sh: the official image's /bin/sh is dash).
# Nothing here knows Kubernetes: every address comes from the environment, which the chart sets
# from its values and a loopback test sets to 127.0.0.1 and distinct ports.
#   REDIS_PASSWORD         the data nodes' and the Sentinels' password (one Secret)
#   LOCAL_HOST             how this pod's scripts reach its own redis-server and Sentinel
#   ANNOUNCE_HOST          the stable name the other pods reach this pod by, never a pod IP
#   REDIS_PORT             this node's data port
#   REDIS_NODES            the data nodes, "host:port,host:port,...", node 0 first (replication)
#   SENTINEL_PORT          this pod's Sentinel port
#   SENTINEL_NODES         the Sentinels, "host:port,..." (replication)
#   SENTINEL_MASTER_NAME   the name the Sentinels monitor the data nodes under

set -eu
# Lists are split on commas and spaces; nothing in these scripts is a file pattern.
set -f

if [ -n "${REDIS_PASSWORD:-}" ]; then
  # redis-cli reads it from here, so the password never appears in a process's arguments.
  export REDISCLI_AUTH="$REDIS_PASSWORD"
fi

log() {
  printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

# A redis-cli call that cannot hang on an address that no longer answers (a deleted pod's IP
# drops packets instead of refusing them); -e makes an error reply a failure.
cli() {
  cli_host=$1
  cli_port=$2
  shift 2
  timeout 2 redis-cli -e -h "$cli_host" -p "$cli_port" "$@"
}

# "a:1,b:2" -> "a:1 b:2", to be split by the shell.
entries() {
  printf '%s' "$1" | tr ',' ' '
}

host_of() {
  printf '%s' "${1%:*}"
}

port_of() {
  printf '%s' "${1##*:}"
}

replicated() {
  [ -n "${SENTINEL_NODES:-}" ]
}

is_self() {
  [ "$1" = "$ANNOUNCE_HOST" ] && [ "$2" = "$REDIS_PORT" ]
}

# The Redis config file's quoting: a value in double quotes, with \ and " escaped.
quoted() {
  printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

# Prints "<config-epoch> <host> <port> <flags>": the primary one Sentinel has committed to (SENTINEL
# MASTER's address changes only when a failover is complete, unlike get-master-addr-by-name,
# which names a replica as soon as one is chosen for promotion). Fails when it does not answer.
sentinel_view() {
  view_reply=$(cli "$1" "$2" SENTINEL MASTER "$SENTINEL_MASTER_NAME" 2>/dev/null) || return 1
  printf '%s\n' "$view_reply" | {
    key='' ip='' port='' epoch=0 flags=''
    while IFS= read -r line; do
      if [ -z "$key" ]; then
        key=$line
        continue
      fi
      case $key in
        ip) ip=$line ;;
        port) port=$line ;;
        config-epoch) epoch=$line ;;
        flags) flags=$line ;;
      esac
      key=''
    done
    [ -n "$ip" ] && [ -n "$port" ] && printf '%s %s %s %s\n' "$epoch" "$ip" "$port" "$flags"
  }
}

# Prints "<config-epoch> <host> <port> <flags>" of the newest view among the Sentinels that answer: each
# failover raises the epoch, so a Sentinel that restarted with an old view (or the seed of a new
# one) never outvotes those that saw the last failover. Fails when no Sentinel answers.
newest_view() {
  best_epoch=-1
  best=''
  for sentinel in $(entries "$SENTINEL_NODES"); do
    view=$(sentinel_view "$(host_of "$sentinel")" "$(port_of "$sentinel")") || continue
    view_epoch=${view%% *}
    if [ "$view_epoch" -gt "$best_epoch" ]; then
      best_epoch=$view_epoch
      best=$view
    fi
  done
  [ -n "$best" ] && printf '%s\n' "$best"
}

# The newest view once it is settled. While the Sentinels are replacing the primary they name (it
# is objectively down, or a failover is under way), that name is about to change: a node that
# restarted fast and took it now would come back as a second primary. So wait for the failover,
# bounded by VIEW_SETTLE_SECONDS (30), then print the view as it is. Fails when no Sentinel answers.
settled_view() {
  settle_deadline=$(($(seconds_now) + ${VIEW_SETTLE_SECONDS:-30}))
  settled=''
  while next=$(newest_view); do
    settled=$next
    case ",${next##* }," in
      *,o_down,* | *,failover_in_progress,*) ;;
      *) break ;;
    esac
    if [ "$(seconds_now)" -ge "$settle_deadline" ]; then
      log "the Sentinels are still failing over ${next#* }; taking their view as it is"
      break
    fi
    sleep 1
  done
  [ -n "$settled" ] && printf '%s\n' "$settled"
}

# Prints "<host> <port>" of node 0, the primary of a first start.
first_node() {
  for node in $(entries "$REDIS_NODES"); do
    printf '%s %s\n' "$(host_of "$node")" "$(port_of "$node")"
    return 0
  done
  return 1
}

# True when every Sentinel that answers (at least one) names a primary other than this node.
handed_over() {
  answered=0
  for sentinel in $(entries "$SENTINEL_NODES"); do
    view=$(sentinel_view "$(host_of "$sentinel")" "$(port_of "$sentinel")") || continue
    answered=$((answered + 1))
    # shellcheck disable=SC2086 # "epoch host port" split on purpose
    set -- $view
    if is_self "$2" "$3"; then
      return 1
    fi
  done
  [ "$answered" -gt 0 ]
}

# One field of INFO replication from this pod's redis-server ("" when absent or unreachable).
local_info() {
  cli "$LOCAL_HOST" "$REDIS_PORT" INFO replication 2>/dev/null | tr -d '\r' | sed -n "s/^$1://p"
}

# True when this pod's redis-server is a primary with at least one replica streaming from it.
primary_with_replica() {
  [ "$(local_info role)" = master ] || return 1
  cli "$LOCAL_HOST" "$REDIS_PORT" INFO replication 2>/dev/null | tr -d '\r' | grep -q '^slave[0-9]*:.*state=online'
}

seconds_now() {
  date +%s
}
