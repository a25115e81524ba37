#!/usr/bin/env bash
# Usage: install-go-tool.sh NAME PACKAGE VERSION
# Builds a Go command from the module proxy into .tools/bin, once per pinned version.
set -euo pipefail

name="$1" pkg="$2" version="$3"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.tools/bin"
stamp="$bin/.$name.version"

if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pkg@$version" ]; then
  exit 0
fi
mkdir -p "$bin"
GOBIN="$bin" GOFLAGS=-trimpath go install "$pkg@$version"
echo "$pkg@$version" >"$stamp"
echo "installed $name $version into $bin"
