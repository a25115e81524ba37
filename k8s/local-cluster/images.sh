#!/usr/bin/env bash
# Builds the cluster's own images (sandbox, CoreDNS, metrics-server, a busybox test image) as docker-archive
# tarballs from static binaries, because no registry is reachable to pull them from.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

IMAGES_DIR="$XWING_CACHE/k8s/images"

# $1 image reference, $2 rootfs directory, $3 JSON array entrypoint, $4 numeric user; writes $IMAGES_DIR/<ref>.tar
pack_image() {
  local ref="$1" rootfs="$2" entrypoint="$3" user="$4"
  local out="$IMAGES_DIR/${ref//[\/:]/_}.tar" tmp layer_sha config_sha
  if [[ -s "$out" ]]; then
    printf '%s\n' "$out"
    return 0
  fi
  tmp="$(mktemp -d)"
  tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$tmp/layer.tar" .
  layer_sha="$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
  mkdir "$tmp/$layer_sha"
  mv "$tmp/layer.tar" "$tmp/$layer_sha/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"User":"%s","Env":["PATH=/bin:/usr/bin"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"xwing k8s/local-cluster/images.sh"}]}' \
    "$entrypoint" "$user" "$layer_sha" >"$tmp/config.json"
  config_sha="$(sha256sum "$tmp/config.json" | cut -d' ' -f1)"
  mv "$tmp/config.json" "$tmp/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config_sha" "$ref" "$layer_sha" >"$tmp/manifest.json"
  mkdir -p "$IMAGES_DIR"
  tar -C "$tmp" -cf "$out.tmp" manifest.json "$config_sha.json" "$layer_sha"
  mv "$out.tmp" "$out"
  rm -rf "$tmp"
  printf '%s\n' "$out"
}

# A rootfs holding one static binary plus the bits every container expects (/tmp, /etc/passwd).
single_binary_rootfs() {
  local dir="$1" binary="$2"
  mkdir -p "$dir/etc" "$dir/tmp"
  chmod 1777 "$dir/tmp"
  printf 'root:x:0:0:root:/:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  install -m 0755 "$binary" "$dir/$(basename "$binary")"
}

WORK_DIR="$(mktemp -d)"
trap 'rm -rf "$WORK_DIR"' EXIT

main() {
  local work="$WORK_DIR"
  single_binary_rootfs "$work/pause" "$PAUSE_BIN/pause"
  pack_image "$PAUSE_IMAGE" "$work/pause" '["/pause"]' 65534
  single_binary_rootfs "$work/coredns" "$COREDNS_BIN/coredns"
  pack_image "$COREDNS_IMAGE" "$work/coredns" '["/coredns"]' 0
  single_binary_rootfs "$work/metrics-server" "$METRICS_SERVER_BIN/metrics-server"
  pack_image "$METRICS_SERVER_IMAGE" "$work/metrics-server" '["/metrics-server"]' 65534
  # Debian's busybox-static: a test image with a shell, nslookup and nc.
  single_binary_rootfs "$work/busybox" /bin/busybox
  mkdir -p "$work/busybox/bin"
  mv "$work/busybox/busybox" "$work/busybox/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [[ "$applet" == busybox ]] || ln -s busybox "$work/busybox/bin/$applet"
  done
  pack_image "$BUSYBOX_IMAGE" "$work/busybox" '["/bin/sh"]' 65534
}

main "$@"
