#!/usr/bin/env bash
# Usage: install-go-tool.sh NAME PACKAGE VERSION
# Builds a Go command from the module proxy into .tools/bin, once per pinned version. Go's caches
# live outside the clone, so a fresh clone (CI) rebuilds from cache in seconds.
set -euo pipefail

name="$1" pkg="$2" version="$3"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.tools/bin"
stamp="$bin/.$name.version"
cache="${XWING_CACHE:-$HOME/.cache/xwing}"

if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pkg@$version" ]; then
  exit 0
fi
mkdir -p "$bin" "$cache/go-build" "$cache/go-mod"
GOBIN="$bin" GOCACHE="$cache/go-build" GOMODCACHE="$cache/go-mod" GOFLAGS="-trimpath -modcacherw" \
  go install "$pkg@$version"
echo "$pkg@$version" >"$stamp"
echo "installed $name $version into $bin"
