#!/usr/bin/env bash
# Installs node_modules from package-lock.json, only when the lock changed since the
# last install. The npm cache lives outside the work tree.
#
# `npm ci` is tried first. Through some registry mirrors npm 11 records no lockfile
# entries for other platforms' optional binaries (npm/cli#9342), and `npm ci` then
# refuses the lock as "out of sync"; `npm install --no-save` installs the same locked
# versions without touching the lock, and we check that it did not.
#
# A fresh clone (CI) would spend 1.5–2 minutes installing the same tree again, so each
# finished install is kept as a snapshot under SCENIC_CACHE, keyed by the lock's hash,
# Node's version and the platform (native modules such as better-sqlite3 are built for
# them), and a clone with the same lock gets it as hard links in under a second.
# SCENIC_NO_NODE_MODULES_CACHE=1 always installs.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
stamp=node_modules/.scenic-lock-hash
want=$(sha256sum package-lock.json | cut -c1-16)
[ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && exit 0

snapshots="$SCENIC_CACHE/node_modules"
snap="$snapshots/$want-$(node -p 'process.version + "-" + process.platform + "-" + process.arch')"
if [ "${SCENIC_NO_NODE_MODULES_CACHE:-0}" != 1 ] && [ "$(cat "$snap/.scenic-lock-hash" 2>/dev/null)" = "$want" ]; then
  rm -rf node_modules
  # hard links when the cache is on the same file system, a copy otherwise
  if cp -al "$snap" node_modules 2>/dev/null || { rm -rf node_modules && cp -a "$snap" node_modules; }; then
    log "node_modules for this lock from $snap"
    exit 0
  fi
  rm -rf node_modules
  log "could not copy $snap; installing"
fi

# Installing into a tree that may share inodes with a snapshot would change the
# snapshot too: start from an empty node_modules.
rm -rf node_modules
flags=(--cache "$SCENIC_CACHE/npm" --prefer-offline --no-audit --no-fund --loglevel=error)
log "installing node_modules from package-lock.json"
if ! npm ci "${flags[@]}" 2>"$SCENIC_STATE/npm-ci.err"; then
  if grep -q 'Missing: .* from lock file' "$SCENIC_STATE/npm-ci.err"; then
    log "npm ci rejected the lock for other platforms' optional packages (npm/cli#9342); using npm install --no-save"
    npm install --no-save "${flags[@]}"
    [ "$(sha256sum package-lock.json | cut -c1-16)" = "$want" ] || die "npm install changed package-lock.json"
  else
    cat "$SCENIC_STATE/npm-ci.err" >&2; die "npm ci failed"
  fi
fi
echo "$want" > "$stamp"

# Keep this tree for the next clone (written aside, then renamed: a snapshot is whole or
# absent), and only the three newest snapshots.
if [ "${SCENIC_NO_NODE_MODULES_CACHE:-0}" != 1 ]; then
  mkdir -p "$snapshots"
  rm -rf "$snap.tmp.$$"
  if cp -al node_modules "$snap.tmp.$$" 2>/dev/null || cp -a node_modules "$snap.tmp.$$"; then
    rm -rf "$snap" && mv "$snap.tmp.$$" "$snap"
    # shellcheck disable=SC2012
    ls -1dt "$snapshots"/*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf
  else
    rm -rf "$snap.tmp.$$"
    log "could not keep a node_modules snapshot in $snapshots (the next clone installs again)"
  fi
fi
