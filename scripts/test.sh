#!/usr/bin/env bash
# The test command: brings up everything the tests need on this machine (Postgres,
# Redis, the Go-built kube-apiserver + etcd, helm, Prometheus + Alertmanager, and the packages
# of the high-availability services tests/ha starts: Redis Cluster, Patroni + HAProxy, pgBackRest), installs
# node_modules, then runs typecheck, lint and the whole vitest suite. Extra arguments go to vitest.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
bash scripts/services.sh up
bash scripts/k8s-tools.sh build
bash scripts/kube.sh up
bash scripts/observability.sh up   # Prometheus + Alertmanager for the alerting tests
# Only the packages: the tests/ha files start these services themselves, in parallel
# with the other test files. One after another: apt takes one lock.
for s in redis-cluster pg-ha pg-backup api-lb; do bash "scripts/$s.sh" install; done
bash scripts/npm-ci.sh
bash scripts/browser.sh
bash scripts/fuzz.sh install # schemathesis for tests/api/fuzz.test.ts (issue 17.19)
apt_install curl jq # the README's examples, which tests/docs/commands.test.ts runs
npm run -s build:web
# shellcheck disable=SC1090
source "$ENV_FILE"
npm run -s format:check
npm run -s typecheck
npm run -s lint
out="$SCENIC_STATE/last-test-run.log"
set +e
npx vitest run "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
set -e
# Repeat the summary as the very last line, where CI reads it.
grep -E '^tests: [0-9]+ passed, [0-9]+ failed' "$out" | tail -1 || echo "tests: 0 passed, 1 failed"
exit "$rc"
