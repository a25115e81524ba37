#!/usr/bin/env bash
# Stops what up.sh started (by recorded PID), then removes the cluster's pods, network, iptables rules,
# mounts under the state directory, and the state itself. Safe to run when nothing is up.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

api_up() { [[ -s "$KUBECONFIG_ADMIN" ]] && pid_of kube-apiserver >/dev/null && kubectl_admin get --raw /readyz >/dev/null 2>&1; }

# No task runs in this containerd and no pod network is attached to the bridge (the kubelet tore the
# sandboxes down through CNI). Stopped containers linger until the kubelet's garbage collection; that is fine.
pods_stopped() {
  ! ctr_k8s tasks ls 2>/dev/null | grep -q RUNNING &&
    [[ -z "$(ip -o link show master "$BRIDGE" 2>/dev/null)" ]]
}

# Lets the kubelet stop every pod so the CNI plugins release addresses and veths, and removes the
# directories the host-path provisioner created for this cluster's volumes.
drain_pods() {
  api_up || return 0
  local pv_dirs
  pv_dirs="$(kubectl_admin get pv -o jsonpath='{range .items[*]}{.spec.hostPath.path}{"\n"}{end}' 2>/dev/null || true)"
  stop_component kube-controller-manager
  stop_component kube-scheduler
  if pid_of kubelet >/dev/null; then
    kubectl_admin delete pods --all --all-namespaces --grace-period=1 --wait=false >/dev/null 2>&1 || true
    wait_for 90 "pods to stop" pods_stopped || log "some pods still ran after 90s; removing them directly"
  fi
  local dir
  while read -r dir; do
    if [[ "$dir" == "$HOSTPATH_PV_DIR"/?* ]]; then rm -rf -- "$dir"; fi
  done <<<"$pv_dirs"
}

# Whatever the kubelet did not remove: kill tasks and delete containers in this containerd only.
remove_containers() {
  pid_of containerd >/dev/null || return 0
  local id
  for id in $(ctr_k8s tasks ls -q 2>/dev/null); do
    ctr_k8s tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  for id in $(ctr_k8s tasks ls -q 2>/dev/null); do
    timeout 20 ctr --address "$CTR_SOCK" --namespace k8s.io tasks delete -f "$id" >/dev/null 2>&1 || true
  done
  for id in $(ctr_k8s containers ls -q 2>/dev/null); do
    ctr_k8s containers delete "$id" >/dev/null 2>&1 || true
  done
}

# Veths of pods the kubelet did not tear down go with the bridge; their network namespaces are bind mounts
# under the state directory (netns_mounts_under_state_dir) and go with unmount_state.
remove_network() {
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    local veth
    for veth in $(ip -o link show master "$BRIDGE" | awk -F': ' '{print $2}' | cut -d@ -f1); do
      ip link delete "$veth" 2>/dev/null || true
    done
    ip route del "$SERVICE_CIDR" dev "$BRIDGE" 2>/dev/null || true
    ip link delete "$BRIDGE"
    log "removed bridge $BRIDGE"
  fi
  while iptables -D FORWARD -j "$FW_CHAIN" 2>/dev/null; do :; done
  if iptables -F "$FW_CHAIN" 2>/dev/null; then iptables -X "$FW_CHAIN"; fi
}

# kube-proxy --cleanup removes its own chains; the kubelet's canary chains and anything else named KUBE-*
# (no other software on this machine uses that prefix) go the same way.
remove_kube_iptables() {
  timeout 60 "$K8S_BIN/kube-proxy" --cleanup >>"$LOGS/kube-proxy.log" 2>&1 || log "kube-proxy --cleanup failed, see $LOGS/kube-proxy.log"
  local cmd table action chain
  for cmd in iptables ip6tables; do
    for table in filter nat mangle; do
      # xargs keeps quoted comments in a rule together.
      "$cmd" -t "$table" -S 2>/dev/null | awk '/^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j KUBE-/' |
        sed 's/^-A/-D/' | xargs -r -L1 "$cmd" -t "$table" 2>/dev/null || true
      for action in -F -X; do
        for chain in $("$cmd" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}'); do
          "$cmd" -t "$table" "$action" "$chain" 2>/dev/null || true
        done
      done
    done
  done
}

# Only mounts below the state directory (pod volumes, overlay snapshots, netns); never anything else.
unmount_state() {
  local target
  awk -v s="$XWING_STATE/" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r target; do
      umount "$target" 2>/dev/null || umount -l "$target"
    done
}

# Empty cgroups the kubelet created under each v1 controller (rmdir only ever removes empty ones).
remove_cgroups() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/kubepods; do
    [[ -d "$hierarchy" ]] || continue
    find "$hierarchy" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

main() {
  local started=$SECONDS
  [[ -d "$XWING_STATE" ]] || { log "nothing to stop: $XWING_STATE does not exist"; return 0; }
  drain_pods
  stop_component hostpath-permissions 5
  stop_component kube-proxy
  stop_component kubelet 30
  remove_containers
  stop_component containerd 30
  stop_component registry
  stop_component kube-controller-manager
  stop_component kube-scheduler
  stop_component kube-apiserver 30
  stop_component etcd 30
  remove_kube_iptables
  remove_network
  unmount_state
  remove_cgroups
  rmdir "$HOSTPATH_PV_DIR" 2>/dev/null || true
  rm -rf -- "$XWING_STATE"
  log "cluster down in $((SECONDS - started))s"
}

main "$@"
