#!/usr/bin/env bash
# Installs the pinned Node.js LTS into .tools/node from the npm registry, because the
# machine's own Node may be end-of-life and no other download site is reachable here.
set -euo pipefail
version="${NODE_VERSION:-24.21.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/node"

npm_version="${NPM_VERSION:-11.21.2}"
if [ -x "$dest/bin/node" ] && [ -e "$dest/lib/node_modules/npm/package.json" ] &&
  [ "$("$dest/bin/node" --version)" = "v$version" ]; then
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "install-node: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

# Staged next to its destination and moved in one rename: an interrupted run leaves no half
# install that the version check above would take for a complete one.
mkdir -p "$root/.tools"
tmp="$(mktemp -d "$root/.tools/node-install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
stage="$tmp/node"
(cd "$tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null)
mkdir -p "$tmp/x" "$stage/bin" "$stage/lib/node_modules"
tar -xzf "$tmp/node-linux-$arch-$version.tgz" -C "$tmp/x"
cp "$tmp/x/package/bin/node" "$stage/bin/node"
# npm itself comes from the registry too, so that npm and node match.
(cd "$tmp" && npm pack --silent "npm@$npm_version" >/dev/null)
tar -xzf "$tmp/npm-$npm_version.tgz" -C "$stage/lib/node_modules"
mv "$stage/lib/node_modules/package" "$stage/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$stage/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$stage/bin/npx"
rm -rf "$dest"
mv "$stage" "$dest"
"$dest/bin/node" --version
