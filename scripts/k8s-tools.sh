#!/usr/bin/env bash
# Builds the test Kubernetes control plane and helm from Go modules (no binary
# downloads): kube-apiserver + kubectl (tools/kube), etcd (tools/etcd), helm
# (tools/helm). Each wrapper go.mod pins one release; binaries are cached in
# $SCENIC_CACHE/bin keyed by the hash of their go.mod/go.sum and reused.
# Usage: scripts/k8s-tools.sh [build|etcd|path]   (etcd: build only etcd, for scripts/pg-ha.sh)
source "$(dirname "$0")/lib.sh"

BIN="$SCENIC_CACHE/bin"
export GOFLAGS="${GOFLAGS:-} -trimpath -buildvcs=false"

# build_tool DIR NAME PKG
build_tool() {
  local dir="$REPO_ROOT/tools/$1" name=$2 pkg=$3 key out
  key=$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-12)
  out="$BIN/$name-$key"
  if [ ! -x "$out" ]; then
    command -v go >/dev/null || die "go is required to build $name (install Go 1.24+)"
    log "building $name from $(grep -E '^require' "$dir/go.mod" | head -1 | cut -d' ' -f2-) (first run only; cached in $BIN)"
    mkdir -p "$BIN"
    (cd "$dir" && go build -ldflags='-s -w' -o "$out.tmp" "$pkg") || die "go build of $name failed"
    mv "$out.tmp" "$out"
  fi
  ln -sf "$out" "$BIN/$name"
}

case "${1:-build}" in
  build)
    build_tool etcd etcd go.etcd.io/etcd/server/v3
    build_tool kube kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
    build_tool kube kubectl k8s.io/kubernetes/cmd/kubectl
    build_tool helm helm helm.sh/helm/v3/cmd/helm
    env_set SCENIC_BIN_DIR "$BIN"
    log "tools ready in $BIN"
    ;;
  etcd) build_tool etcd etcd go.etcd.io/etcd/server/v3 ;;
  path) echo "$BIN" ;;
  *) die "usage: $0 build|etcd|path" ;;
esac
