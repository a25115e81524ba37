#!/usr/bin/env bash
# Installs the pinned Node.js LTS into .tools/node from the npm registry, because the
# machine's own Node may be end-of-life and no other download site is reachable here.
set -euo pipefail
version="${NODE_VERSION:-24.21.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/node"

if [ -x "$dest/bin/node" ] && [ "$("$dest/bin/node" --version)" = "v$version" ]; then
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "install-node: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null)
mkdir -p "$tmp/x"
tar -xzf "$tmp"/node-linux-*.tgz -C "$tmp/x"
rm -rf "$dest"
mkdir -p "$dest/bin"
cp "$tmp/x/package/bin/node" "$dest/bin/node"
# npm itself comes from the registry too, so that npm and node match.
(cd "$tmp" && npm pack --silent "npm@${NPM_VERSION:-11.21.2}" >/dev/null)
mkdir -p "$dest/lib/node_modules"
tar -xzf "$tmp"/npm-11*.tgz -C "$dest/lib/node_modules"
mv "$dest/lib/node_modules/package" "$dest/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dest/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dest/bin/npx"
"$dest/bin/node" --version
