#!/usr/bin/env bash
# Builds the pinned skaffold into .tools/bin. `go install skaffold@version` is refused because
# skaffold's go.mod carries replace directives, so this builds inside the downloaded module,
# where they apply.
set -euo pipefail

version="${SKAFFOLD_VERSION:-v2.16.1}"
module=github.com/GoogleContainerTools/skaffold/v2
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.tools/bin"
stamp="$bin/.skaffold.version"

if [ -x "$bin/skaffold" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  exit 0
fi

dir="$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ ! -f "$dir/go.mod" ]; then
  echo "install-skaffold: go mod download gave no module directory for $module@$version" >&2
  exit 1
fi
mkdir -p "$bin"
(cd "$dir" && go build -trimpath -ldflags "-X $module/pkg/skaffold/version.version=$version" -o "$bin/skaffold" ./cmd/skaffold)
echo "$version" >"$stamp"
echo "installed skaffold $version into $bin"
