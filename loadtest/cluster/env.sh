# shellcheck shell=bash
# Where the cluster runs find xwing. Source after loadtest/lib/harness.sh. Everything comes from the
# environment so the same scripts work on the local cluster (make cluster-up), kind or minikube.
#   KUBECONFIG       default: .run/cluster/kubeconfig when it exists (make cluster-up writes it)
#   XWING_NAMESPACE  default: xwing
#   XWING_RELEASE    default: xwing (the Helm release; objects are found by its labels, not names)
#   BASE_URL         default: the release's NodePort on the node's InternalIP

if [[ -z ${KUBECONFIG:-} && -f $ROOT/.run/cluster/kubeconfig ]]; then
  export KUBECONFIG=$ROOT/.run/cluster/kubeconfig
fi
XWING_NAMESPACE=${XWING_NAMESPACE:-xwing}
XWING_RELEASE=${XWING_RELEASE:-xwing}
KUBECTL=${KUBECTL:-kubectl}
API_SELECTOR="app.kubernetes.io/instance=$XWING_RELEASE,app.kubernetes.io/component=api"
# shellcheck disable=SC2034 # used by the scripts that source this file
REDIS_SELECTOR="app.kubernetes.io/instance=$XWING_RELEASE,app.kubernetes.io/component=redis"

kc() { "$KUBECTL" -n "$XWING_NAMESPACE" --request-timeout=10s "$@"; }

# The API Service's NodePort on the node's InternalIP: traffic enters the way real traffic does and
# kube-proxy picks an endpoint per connection (port-forward would pin everything to one pod).
discover_base_url() {
  local svc type port node_ip
  svc=$(kc get svc -l "$API_SELECTOR" -o json) || die "cannot list services in $XWING_NAMESPACE (KUBECONFIG=${KUBECONFIG:-unset})"
  type=$(jq -r '.items[0].spec.type // empty' <<<"$svc")
  [[ -n $type ]] || die "no Service labelled $API_SELECTOR in namespace $XWING_NAMESPACE"
  [[ $type == NodePort || $type == LoadBalancer ]] ||
    die "the API Service is $type; install the chart with --set service.type=NodePort, or set BASE_URL"
  port=$(jq -r '.items[0].spec.ports[] | select(.name == "http") | .nodePort' <<<"$svc")
  node_ip=$("$KUBECTL" get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')
  [[ -n $port && -n $node_ip ]] || die "could not read the NodePort or the node's InternalIP"
  echo "http://$node_ip:$port"
}

# True when the release runs Redis with replication: its Redis pods carry a Sentinel container.
redis_replicated() {
  kc get statefulset -l "$REDIS_SELECTOR" -o jsonpath='{.items[0].spec.template.spec.containers[*].name}' |
    grep -qw sentinel
}

# The pod the Sentinel in Redis pod $1 names as the primary (empty when it does not answer). The
# sentinel container's environment carries the port, the monitored name and the password.
sentinel_primary() {
  # shellcheck disable=SC2016 # expanded by the shell in the pod, from its environment
  kc exec "$1" -c sentinel -- sh -c 'redis-cli -p "$SENTINEL_PORT" SENTINEL get-master-addr-by-name "$SENTINEL_MASTER_NAME"' \
    2>/dev/null | head -n 1 | cut -d. -f1
}
