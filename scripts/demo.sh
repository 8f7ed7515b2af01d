#!/usr/bin/env bash
# The demo command: Postgres + Redis on loopback, node_modules, demo secrets (made
# once, kept outside the repo), then `scenic demo`: migrations, a seeded demo scenic
# area, the API, the workers and a gate agent, with their URLs printed.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
bash scripts/services.sh up
apt_install curl jq # the README's "Try it" examples
bash scripts/npm-ci.sh
npm run -s build:web
secrets="$SCENIC_STATE/demo-secrets.env"
if [ ! -s "$secrets" ]; then
  umask 077
  {
    echo "export SCENIC_PII_KEY=$(openssl rand -base64 32)"
    echo "export SCENIC_LOOKUP_KEY=$(openssl rand -hex 32)"
  } > "$secrets"
fi
# shellcheck disable=SC1090
source "$ENV_FILE"; source "$secrets"
exec node bin/scenic.mjs demo "$@"
