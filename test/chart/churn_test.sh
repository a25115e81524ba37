#!/usr/bin/env bash
# Tests k8s/churn.sh against a stand-in kubectl that records what it is asked to do: the
# loop deletes one running, non-terminating pod per round, stays in its namespace, stops on
# time, and refuses bad arguments.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "  ok   churn: $1"; }
bad() { failed=$((failed + 1)); echo "  FAIL churn: $1"; }

mkdir -p "$tmp/bin"
cat >"$tmp/bin/kubectl" <<'STUB'
#!/usr/bin/env bash
echo "$*" >>"$STUB_LOG"
args=" $* "
case "$args" in
  *" delete pod "*) echo "${args#* delete pod }" | cut -d' ' -f1 >>"$STUB_DELETED" ;;
  *" -o name "*) [ "${STUB_PODS:-yes}" = yes ] && printf 'pod/xw-a\npod/xw-b\n' ;;
  *"--field-selector"*) printf 'xw-a|\nxw-b|\nxw-c|2026-01-01T00:00:00Z\n' ;;
  *) printf '|True\n|True\n2026-01-01T00:00:00Z|True\n' ;;
esac
STUB
chmod +x "$tmp/bin/kubectl"
export PATH="$tmp/bin:$PATH" STUB_LOG="$tmp/calls" STUB_DELETED="$tmp/deleted" CHURN_MIN_INTERVAL_S=1

start=$(date +%s)
if bash "$root/k8s/churn.sh" -n demo -r xw -i 1 -d 3 >"$tmp/out" 2>&1; then ok "exits 0"; else bad "exit $?: $(cat "$tmp/out")"; fi
elapsed=$(($(date +%s) - start))
if [ "$elapsed" -le 4 ]; then ok "stops on time (${elapsed}s for -d 3)"; else bad "ran ${elapsed}s for -d 3"; fi
count="$(wc -l <"$tmp/deleted")"
if [ "$count" -eq 3 ]; then ok "one deletion per round (3)"; else bad "$count deletions for 3 rounds"; fi
if ! grep -qx xw-c "$tmp/deleted"; then ok "never picks a terminating pod"; else bad "deleted the terminating pod"; fi
if ! grep -v -- "--namespace demo" "$tmp/calls" | grep -q .; then ok "every call is scoped to the namespace"; else bad "a call outside --namespace demo"; fi
if grep -q "app.kubernetes.io/instance=xw,app.kubernetes.io/component=api" "$tmp/calls"; then ok "selects the release's API pods"; else bad "selector"; fi

if bash "$root/k8s/churn.sh" -i 0 -d 3 >/dev/null 2>&1; then bad "accepted -i 0"; else ok "refuses an interval below the floor"; fi
if bash "$root/k8s/churn.sh" -i 1 -d 7200 >/dev/null 2>&1; then bad "accepted -d 7200"; else ok "refuses more than an hour"; fi
if STUB_PODS=no bash "$root/k8s/churn.sh" -i 1 -d 1 >/dev/null 2>&1; then bad "ran with no pods"; else ok "stops when no pod matches"; fi

echo "churn: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
