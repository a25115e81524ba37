#!/usr/bin/env bash
# Shows which local-cluster components run and what the cluster holds; exits non-zero if any is down.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd registry hostpath-permissions kubelet kube-proxy)

main() {
  local down=0 name pid
  printf 'state: %s\n' "$XWING_STATE"
  for name in "${COMPONENTS[@]}"; do
    if pid="$(pid_of "$name")"; then
      printf '  %-24s running (pid %s)\n' "$name" "$pid"
    else
      printf '  %-24s not running\n' "$name"
      down=1
    fi
  done
  if ((down == 0)) && kubectl_admin get --raw /readyz >/dev/null 2>&1; then
    kubectl_admin get nodes,pods -A -o wide
    printf '\nexport KUBECONFIG=%s   # context %s\n' "$KUBECONFIG_ADMIN" "$CLUSTER_NAME"
  else
    down=1
  fi
  return "$down"
}

main "$@"
