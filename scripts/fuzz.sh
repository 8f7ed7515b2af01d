#!/usr/bin/env bash
# The property-based fuzz of the served OpenAPI document (issue 17 item 19): schemathesis,
# from PyPI, in a virtualenv cached under SCENIC_CACHE (one per pinned version, so a fresh
# machine installs it once and a version bump installs beside it). Then runs
# tests/api/fuzz.test.ts, which starts the API in-process and points `st run` at it.
#   bash scripts/fuzz.sh install   # only the virtualenv (scripts/test.sh calls this)
#   bash scripts/fuzz.sh           # install if needed, then the fuzz test
# SCENIC_FUZZ_EXAMPLES sets schemathesis's --max-examples (default in the test).
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
SCHEMATHESIS_VERSION=4.32.5
venv="$SCENIC_CACHE/schemathesis-$SCHEMATHESIS_VERSION"
if [ ! -x "$venv/bin/st" ]; then
  command -v python3 >/dev/null || apt_install python3
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  log "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" ||
    { rm -rf "$venv"; die "pip could not install schemathesis $SCHEMATHESIS_VERSION"; }
fi
[ -x "$venv/bin/st" ] || die "schemathesis did not install into $venv"
[ "${1:-}" = install ] && exit 0
bash scripts/npm-ci.sh
# shellcheck disable=SC1090
source "$ENV_FILE"
exec npx vitest run tests/api/fuzz.test.ts
