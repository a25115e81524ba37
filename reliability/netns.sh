#!/usr/bin/env bash
# The network namespace of the "connection cut" fault: redis-server runs inside it behind a veth
# pair, and the cut is an iptables DROP inside the namespace, so packets vanish without a FIN or
# RST (a clean close would be noticed at once and test nothing). The rules live in the namespace
# and die with it; the host's own firewall is never touched.
#   netns.sh up | down | cut | restore | blackhole CLIENT_PORT
# blackhole drops one established connection for good (its peer "vanished") while new connections
# to Redis still get through.
set -euo pipefail

NS=${RELIABILITY_NETNS:-xwing-rel}
HOST_IF=${RELIABILITY_HOST_IF:-xwrel0}
NS_IF=xwrel1
HOST_CIDR=${RELIABILITY_HOST_CIDR:-10.201.0.1/30}
NS_CIDR=${RELIABILITY_NS_CIDR:-10.201.0.2/30}
REDIS_PORT=${RELIABILITY_NETNS_REDIS_PORT:-6379}

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

in_ns() { "${sudo[@]}" ip netns exec "$NS" "$@"; }

# Both directions: dropping only one would let the kernel answer the other with a RST.
drop_rules() {
  local action=$1
  in_ns iptables -w 5 "$action" INPUT -p tcp --dport "$REDIS_PORT" -j DROP
  in_ns iptables -w 5 "$action" OUTPUT -p tcp --sport "$REDIS_PORT" -j DROP
}

down() {
  "${sudo[@]}" ip netns del "$NS" 2>/dev/null || true
  "${sudo[@]}" ip link del "$HOST_IF" 2>/dev/null || true
}

case "${1:-}" in
  up)
    down
    "${sudo[@]}" ip netns add "$NS"
    "${sudo[@]}" ip link add "$HOST_IF" type veth peer name "$NS_IF"
    "${sudo[@]}" ip link set "$NS_IF" netns "$NS"
    "${sudo[@]}" ip addr add "$HOST_CIDR" dev "$HOST_IF"
    "${sudo[@]}" ip link set "$HOST_IF" up
    in_ns ip addr add "$NS_CIDR" dev "$NS_IF"
    in_ns ip link set "$NS_IF" up
    in_ns ip link set lo up
    ;;
  down) down ;;
  cut) drop_rules -I ;;
  restore) drop_rules -D ;;
  blackhole)
    client_port=${2:?client port}
    in_ns iptables -w 5 -I INPUT -p tcp --dport "$REDIS_PORT" --sport "$client_port" -j DROP
    in_ns iptables -w 5 -I OUTPUT -p tcp --sport "$REDIS_PORT" --dport "$client_port" -j DROP
    ;;
  *)
    echo "usage: $0 up|down|cut|restore|blackhole CLIENT_PORT" >&2
    exit 2
    ;;
esac
