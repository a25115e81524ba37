#!/usr/bin/env bash
# Builds the pinned prometheus and promtool into .tools/bin for the dashboard and alert tests.
# Both come from the Prometheus Go module, built inside the downloaded module so that its go.mod
# (replace directives, tool versions) applies. Without the `builtinassets` tag the web UI is not
# embedded, and `remove_all_sd` leaves out every service discovery but static, file and HTTP targets
# (a third of the build): the tests scrape static loopback targets and use only the HTTP API.
set -euo pipefail

version="${PROMETHEUS_MODULE_VERSION:-v0.316.0}"
module=github.com/prometheus/prometheus
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.tools/bin"
stamp="$bin/.prometheus.version"
cache="${XWING_CACHE:-$HOME/.cache/xwing}"

if [ -x "$bin/prometheus" ] && [ -x "$bin/promtool" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
mkdir -p "$bin" "$cache/go-build" "$cache/go-mod"
# The module ships a go.work naming folders the module zip leaves out.
export GOCACHE="$cache/go-build" GOMODCACHE="$cache/go-mod" GOFLAGS=-modcacherw GOWORK=off

dir="$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ ! -f "$dir/go.mod" ]; then
  echo "install-prometheus: go mod download gave no module directory for $module@$version" >&2
  exit 1
fi
# The module version v0.3XX.Y is Prometheus 3.XX.Y; the VERSION file in the module says so.
release="$(cat "$dir/VERSION")"
ldflags="-X github.com/prometheus/common/version.Version=$release -X github.com/prometheus/common/version.Branch=$version"
for cmd in prometheus promtool; do
  (cd "$dir" && go build -trimpath -tags remove_all_sd -ldflags "$ldflags" -o "$bin/$cmd" "./cmd/$cmd")
done
echo "$version" >"$stamp"
echo "installed prometheus and promtool $release ($module@$version) into $bin"
