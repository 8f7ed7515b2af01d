#!/usr/bin/env bash
# Installs node_modules from package-lock.json, only when the lock changed since the
# last install. The npm cache lives outside the work tree.
#
# `npm ci` is tried first. Through some registry mirrors npm 11 records no lockfile
# entries for other platforms' optional binaries (npm/cli#9342), and `npm ci` then
# refuses the lock as "out of sync"; `npm install --no-save` installs the same locked
# versions without touching the lock, and we check that it did not.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
stamp=node_modules/.scenic-lock-hash
want=$(sha256sum package-lock.json | cut -c1-16)
[ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && exit 0
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
