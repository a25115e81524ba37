# shellcheck shell=bash
# Pod churn, written once for k8s/churn.sh and the k6 churn run (loadtest/cluster/chaos.sh). Source it
# after defining kc: kubectl bound to the caller's namespace (and context).

# running_pods SELECTOR: the pods that are Running and not already terminating, a name a line, so that
# every deletion removes a pod that serves.
running_pods() {
  kc get pods -l "$1" --field-selector=status.phase=Running \
    -o jsonpath='{range .items[*]}{.metadata.name}{"|"}{.metadata.deletionTimestamp}{"\n"}{end}' |
    awk -F'|' '$2 == "" { print $1 }'
}

# delete_random_pod SELECTOR: deletes one of the running pods without waiting for it to go and prints
# "NAME RUNNING" (how many were running); prints nothing when none runs.
delete_random_pod() {
  local pods pod
  mapfile -t pods < <(running_pods "$1")
  ((${#pods[@]})) || return 0
  pod=${pods[RANDOM % ${#pods[@]}]}
  kc delete pod "$pod" --wait=false >/dev/null
  echo "$pod ${#pods[@]}"
}
