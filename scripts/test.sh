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
# Checks that only read the tree keep their caches in the machine's state directory, so a warm
# run (CI reuses the machine) re-checks only what changed. Prettier and tsc key their caches by
# file content and dependencies, so a fresh clone hits them too. ESLint's typed rules are not
# cached (a change to one file's types can raise an error in another): it runs beside the suite
# instead, on the time the suite spends waiting on processes and clocks.
cache="$SCENIC_STATE/check-cache"
mkdir -p "$cache"
npx prettier --check --log-level warn --cache --cache-strategy content --cache-location "$cache/prettier" .
npx tsc -p tsconfig.json --noEmit --incremental --tsBuildInfoFile "$cache/tsc-root.tsbuildinfo"
npx tsc -p web/tsconfig.json --noEmit --incremental --tsBuildInfoFile "$cache/tsc-web.tsbuildinfo"
lint_out="$SCENIC_STATE/last-lint.log"
npm run -s lint >"$lint_out" 2>&1 &
lint_pid=$!
out="$SCENIC_STATE/last-test-run.log"
set +e
npx vitest run "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
wait "$lint_pid"
lint_rc=$?
set -e
if [ "$lint_rc" -ne 0 ]; then
  echo "lint failed (npm run lint):"
  cat "$lint_out"
  rc=1
fi
# Repeat the summary as the very last line, where CI reads it; a lint failure counts as one.
summary=$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed' "$out" | tail -1 || true)
[ -n "$summary" ] || summary="tests: 0 passed, 1 failed, 0 skipped"
if [ "$lint_rc" -ne 0 ]; then
  failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$summary")
  summary=$(sed -E "s/ [0-9]+ failed/ $((failed + 1)) failed/" <<<"$summary")
fi
echo "$summary"
exit "$rc"
