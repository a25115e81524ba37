#!/usr/bin/env bash
# Starts the local single-node cluster (idempotent: running components are left alone) and writes the
# kubeconfig to $XWING_STATE/kubeconfig.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
# shellcheck source=SCRIPTDIR/pki.sh
. "$LC_DIR/pki.sh"

DEBIAN_PACKAGES=(containerd runc containernetworking-plugins iptables conntrack openssl inotify-tools busybox-static curl)

ensure_packages() {
  local missing=() pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends "${missing[@]}" >"$LOGS/apt.log" 2>&1 ||
      die "apt-get install failed, see $LOGS/apt.log"
  fi
}

preflight() {
  [[ "$(id -u)" == 0 ]] || die "the cluster needs root (network namespaces, mounts, cgroups)"
  [[ -d /sys/fs/cgroup/memory && -d /sys/fs/cgroup/cpu ]] ||
    die "expected cgroup v1 controllers under /sys/fs/cgroup; this script never remounts cgroups"
  local net
  for net in "$POD_CIDR" "$SERVICE_CIDR"; do
    if ip -4 route show to match "${net%/*}" | grep -v '^default' | grep -qv "dev $BRIDGE"; then
      die "$net overlaps a route on this machine: $(ip -4 route show to match "${net%/*}")"
    fi
  done
}

# $1 name, then the command; output goes to $LOGS/<name>.log, and the PID, binary and a hash of the command
# line (with the content of every file it names) to $PIDS/<name>.pid. A running component whose command or
# configuration changed is restarted; an unchanged one is left alone.
start_component() {
  local name="$1"
  shift
  local exe arg files=() hash pid
  exe="$(readlink -f "$(command -v "$1")")"
  for arg in "$@"; do
    arg="${arg#--*=}"
    if [[ -f "$arg" ]]; then files+=("$arg"); fi
  done
  hash="$({ printf '%s\0' "$@"; cat "${files[@]}"; } | sha256sum | cut -c1-16)"
  if pid="$(pid_of "$name")"; then
    if [[ "$(cut -d' ' -f3 "$PIDS/$name.pid")" == "$hash" ]]; then
      log "$name already running (pid $pid)"
      return 0
    fi
    log "$name: command or configuration changed, restarting"
    stop_component "$name" 30
  fi
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  printf '%s %s %s\n' "$!" "$exe" "$hash" >"$PIDS/$name.pid"
  log "$name started (pid $!, log $LOGS/$name.log)"
}

# Ensures a component answers, dumping the tail of its log if it does not.
await_component() {
  local name="$1" timeout="$2"
  shift 2
  if ! wait_for "$timeout" "$name" "$@"; then
    tail -n 30 "$LOGS/$name.log" >&2 || true
    die "$name did not become healthy within ${timeout}s"
  fi
}

setup_network() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr replace "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Service addresses without a kube-proxy rule must not follow the default route off the machine.
  ip route replace "$SERVICE_CIDR" dev "$BRIDGE" src "$NODE_IP"
  # Pods talk to each other on the bridge (bridged frames pass through iptables here); nothing from the bridge
  # is forwarded anywhere else, so pod traffic can never leave the machine.
  iptables -N "$FW_CHAIN" 2>/dev/null || iptables -F "$FW_CHAIN"
  iptables -A "$FW_CHAIN" -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  iptables -A "$FW_CHAIN" -i "$BRIDGE" -j DROP
  iptables -C FORWARD -j "$FW_CHAIN" 2>/dev/null || iptables -A FORWARD -j "$FW_CHAIN"
  [[ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)" == 1 ]] || sysctl -qw net.bridge.bridge-nf-call-iptables=1
  [[ "$(cat /proc/sys/net/ipv4/ip_forward)" == 1 ]] || sysctl -qw net.ipv4.ip_forward=1

  mkdir -p "$XWING_STATE/cni/net.d" "$XWING_STATE/cni/ipam"
  write_file "$XWING_STATE/cni/net.d/10-xwing.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "xwing",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$XWING_STATE/cni/ipam"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
}

start_etcd() {
  start_component etcd "$ETCD_BIN/etcd" --name "$CLUSTER_NAME" --data-dir "$XWING_STATE/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster "$CLUSTER_NAME=http://127.0.0.1:2380" --unsafe-no-fsync --log-level warn
  await_component etcd 60 curl -fsS --max-time 2 http://127.0.0.1:2379/health
}

api_ready() {
  curl -fsS --max-time 3 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://$NODE_IP:6443/readyz"
}

start_control_plane() {
  start_component kube-apiserver "$K8S_BIN/kube-apiserver" \
    --bind-address="$NODE_IP" --advertise-address="$NODE_IP" --secure-port=6443 \
    --etcd-servers=http://127.0.0.1:2379 \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --enable-aggregator-routing=true --profiling=false
  await_component kube-apiserver 120 api_ready

  start_component kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig="$XWING_STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$XWING_STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$XWING_STATE/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --cluster-name="$CLUSTER_NAME" --leader-elect=false \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --use-service-account-credentials=true --service-cluster-ip-range="$SERVICE_CIDR" \
    --allocate-node-cidrs=false --enable-hostpath-provisioner=true --profiling=false
  start_component kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig="$XWING_STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig="$XWING_STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig="$XWING_STATE/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false
  await_component kube-controller-manager 60 curl -fsSk --max-time 2 https://127.0.0.1:10257/healthz
  await_component kube-scheduler 60 curl -fsSk --max-time 2 https://127.0.0.1:10259/healthz
}

start_containerd() {
  local dir="$XWING_STATE/containerd"
  mkdir -p "$dir" "$XWING_STATE/runc"
  # Its own root, state, sockets and runc root, so it never meets the containerd of a Docker daemon.
  write_file "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$CTR_SOCK"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # This machine withholds CAP_SYS_RESOURCE even from root, so runc cannot lower oom_score_adj (the kubelet
  # asks -998 for sandboxes); clamp requests to containerd's own value instead of failing every pod.
  restrict_oom_score_adj = true
  # Pod network namespaces under the state directory, so cluster-down finds and unmounts all of them.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$XWING_STATE/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$XWING_STATE/cni/net.d"
  # Per-registry hosts.toml files (start_registry writes the one for the local registry).
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$dir/certs.d"
TOML
  start_component containerd "$(command -v containerd)" --config "$dir/config.toml"
  await_component containerd 60 ctr --address "$CTR_SOCK" version
}

# The local registry (CNCF distribution) on loopback: skaffold pushes the images it builds there, and this
# containerd, which runs on the host, pulls them over plain HTTP, as a kind node pulls from kind's registry.
start_registry() {
  local dir="$XWING_STATE/registry" bin="$REPO_ROOT/.tools/bin/registry"
  bash "$REPO_ROOT/scripts/tools/install-go-tool.sh" registry github.com/distribution/distribution/v3/cmd/registry \
    "$DISTRIBUTION_VERSION" >>"$LOGS/build.log" 2>&1 || die "building the registry failed, see $LOGS/build.log"
  mkdir -p "$dir/data" "$XWING_STATE/containerd/certs.d/$REGISTRY_HOST"
  # Upload sessions are signed with this secret; without one the registry makes up a new one per start.
  [[ -s "$dir/http-secret" ]] || openssl rand -hex 32 >"$dir/http-secret"
  write_file "$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog: {disabled: true}
storage:
  filesystem: {rootdirectory: $dir/data}
  delete: {enabled: true}
http:
  addr: $REGISTRY_ADDR
  secret: $(cat "$dir/http-secret")
YAML
  write_file "$XWING_STATE/containerd/certs.d/$REGISTRY_HOST/hosts.toml" <<TOML
server = "http://$REGISTRY_ADDR"

[host."http://$REGISTRY_ADDR"]
  capabilities = ["pull", "resolve"]
TOML
  # Its OpenTelemetry exporter would otherwise post traces to localhost:4318 and log every failure.
  OTEL_TRACES_EXPORTER=none start_component registry "$bin" serve "$dir/config.yml"
  await_component registry 30 curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/"
}

import_images() {
  local tars tar present ref
  mapfile -t tars < <("$LC_DIR/images.sh")
  present="$(ctr_k8s images ls -q)"
  for tar in "${tars[@]}"; do
    ref="$(tar -xOf "$tar" manifest.json | sed -E 's/.*"RepoTags":\["([^"]+)".*/\1/')"
    if grep -qxF "$ref" <<<"$present"; then continue; fi
    ctr_k8s images import "$tar" >/dev/null
    log "imported $ref"
  done
}

start_kubelet() {
  local dir="$XWING_STATE/kubelet"
  mkdir -p "$dir/root" "$dir/pki" "$dir/plugins" "$XWING_STATE/pod-logs"
  cp "$PKI/kubelet-serving.crt" "$PKI/kubelet-serving.key" "$dir/pki/"
  write_file "$dir/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $dir/pki/kubelet-serving.crt
tlsPrivateKeyFile: $dir/pki/kubelet-serving.key
containerRuntimeEndpoint: unix://$CTR_SOCK
cgroupDriver: cgroupfs
# This machine runs cgroup v1 (with a cgroup2 hierarchy beside it); from 1.35 the kubelet refuses v1 unless told.
failCgroupV1: false
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$DNS_SERVICE_IP]
resolvConf: ""
podLogsDir: $XWING_STATE/pod-logs
volumePluginDir: $dir/plugins
failSwapOn: false
maxPods: 110
# Images are imported, never pulled: they must never be garbage-collected.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 200Mi, nodefs.available: 5%, imagefs.available: 5%}
serializeImagePulls: false
YAML
  start_component kubelet "$K8S_BIN/kubelet" --config="$dir/config.yaml" \
    --kubeconfig="$XWING_STATE/kubelet.kubeconfig" --root-dir="$dir/root" --cert-dir="$dir/pki" \
    --node-ip="$NODE_IP" --hostname-override="$NODE_NAME"
  await_component kubelet 60 curl -fsS --max-time 2 http://127.0.0.1:10248/healthz
  await_component kubelet 120 kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
}

start_kube_proxy() {
  write_file "$XWING_STATE/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $XWING_STATE/kube-proxy.kubeconfig}
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
# Leave the machine's conntrack sysctls alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
  start_component kube-proxy "$K8S_BIN/kube-proxy" --config="$XWING_STATE/kube-proxy.yaml"
  await_component kube-proxy 60 curl -fsS --max-time 2 http://127.0.0.1:10256/healthz
}

# The host-path provisioner creates volumes as root with mode 0750, which no non-root pod (the restricted
# Pod Security Standard requires one) can write; open each new volume directory as soon as it appears.
start_volume_permissions() {
  mkdir -p "$HOSTPATH_PV_DIR"
  start_component hostpath-permissions "$(command -v bash)" -c \
    "inotifywait -m -q -e create -e moved_to --format '%w%f' '$HOSTPATH_PV_DIR' | while read -r d; do chmod 0777 \"\$d\"; done"
}

apply_addons() {
  sed -e "s|@DNS_SERVICE_IP@|$DNS_SERVICE_IP|g" -e "s|@CLUSTER_DOMAIN@|$CLUSTER_DOMAIN|g" \
    -e "s|@REGISTRY_HOST@|$REGISTRY_HOST|g" \
    -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|g" -e "s|@METRICS_SERVER_IMAGE@|$METRICS_SERVER_IMAGE|g" \
    "$LC_DIR/addons.yaml" | kubectl_admin apply --server-side --force-conflicts -f - >"$LOGS/addons.log"
  await_component kube-apiserver 120 kubectl_admin -n kube-system rollout status deploy/coredns --timeout=5s
  await_component kube-apiserver 120 kubectl_admin -n kube-system rollout status deploy/metrics-server --timeout=5s
  await_component kube-apiserver 120 kubectl_admin wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=5s
  # The first usable resource metrics need two kubelet scrapes; HPAs read the same API.
  wait_for 120 "kubectl top nodes" kubectl_admin top nodes || die "the metrics API serves no node metrics"
}

smoke_succeeded() { [[ "$(kubectl_admin get pod xwing-smoke -o jsonpath='{.status.phase}')" == Succeeded ]]; }

# A pod on the bridge resolves a Service name through CoreDNS, reaches the API server through its Service,
# and gets no answer for a name outside the cluster domain.
smoke_test() {
  kubectl_admin delete pod xwing-smoke --ignore-not-found --wait=true >/dev/null
  kubectl_admin run xwing-smoke --image="$BUSYBOX_IMAGE" --image-pull-policy=Never --restart=Never --command -- \
    sh -c "nslookup kubernetes.default.svc.$CLUSTER_DOMAIN && nc -w 5 kubernetes.default.svc.$CLUSTER_DOMAIN 443 </dev/null \
      && echo api-reachable && if nslookup example.com; then echo upstream-answered; exit 1; fi" >/dev/null
  if ! wait_for 90 "smoke pod" smoke_succeeded; then
    kubectl_admin describe pod xwing-smoke >&2 || true
    kubectl_admin logs xwing-smoke >&2 || true
    die "smoke test pod did not succeed"
  fi
  kubectl_admin logs xwing-smoke | sed 's/^/  smoke: /' >&2
  kubectl_admin delete pod xwing-smoke --wait=false >/dev/null
}

main() {
  local started=$SECONDS
  mkdir -p "$XWING_STATE" "$LOGS" "$PIDS"
  preflight
  ensure_packages
  # A cold build takes long: show its progress lines, keep the compiler output in the log.
  "$LC_DIR/build.sh" 2>&1 | tee -a "$LOGS/build.log" | grep --line-buffered '^\[build' >&2 ||
    die "component build failed, see $LOGS/build.log"
  make_pki
  setup_network
  start_etcd
  start_control_plane
  start_containerd
  start_registry
  import_images
  start_volume_permissions
  start_kubelet
  start_kube_proxy
  apply_addons
  smoke_test
  log "cluster up in $((SECONDS - started))s"
  cat >&2 <<EOF
  kubeconfig: $KUBECONFIG_ADMIN (context $CLUSTER_NAME)
  use it:     export KUBECONFIG=$KUBECONFIG_ADMIN; kubectl get nodes
  stop it:    make cluster-down
EOF
}

main "$@"
