#!/usr/bin/env bash
# The test command: brings up everything the tests need on this machine (Postgres,
# Redis, the Go-built kube-apiserver + etcd, helm, Prometheus + Alertmanager, and the packages
# of the high-availability services tests/ha starts: Redis Cluster, Patroni + HAProxy, pgBackRest), installs
# node_modules, then runs typecheck, lint and the whole vitest suite. Extra arguments go to vitest.
# Beside the suite runs the cluster leg: the inventory, order race, presale and channel tests
# once more against a Redis Cluster (scripts/services.sh up-cluster, SCENIC_TEST_REDIS=cluster),
# one file at a time on the cores the suite leaves waiting (about 50 s of its own on this
# two-core machine). SCENIC_CLUSTER_LEG=0 leaves it out; a run with vitest arguments does too.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
bash scripts/services.sh up
[ "${SCENIC_CLUSTER_LEG:-1}" != 0 ] && [ $# -eq 0 ] && bash scripts/services.sh up-cluster
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
# The cluster leg gets the cluster; the suite never does (its role processes would follow it).
cluster_nodes=${REDIS_CLUSTER_NODES:-}
unset REDIS_CLUSTER_NODES REDIS_CLUSTER_FAILOVER_NODES
CLUSTER_LEG=(tests/inventory/lua.test.ts tests/orders/race.test.ts tests/presale/waiting-room.test.ts tests/channels/race.test.ts)
leg_out="$SCENIC_STATE/last-cluster-leg.log"
leg_pid=""
if [ "${SCENIC_CLUSTER_LEG:-1}" != 0 ] && [ $# -eq 0 ]; then
  # generous timeouts: the leg shares the cores with the whole suite
  SCENIC_TEST_REDIS=cluster REDIS_CLUSTER_NODES=$cluster_nodes \
    npx vitest run --maxWorkers=1 --minWorkers=1 --testTimeout=240000 "${CLUSTER_LEG[@]}" >"$leg_out" 2>&1 &
  leg_pid=$!
fi
out="$SCENIC_STATE/last-test-run.log"
set +e
npx vitest run "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
wait "$lint_pid"
lint_rc=$?
leg_rc=0
if [ -n "$leg_pid" ]; then
  wait "$leg_pid"
  leg_rc=$?
  echo "cluster leg (Redis Cluster, ${CLUSTER_LEG[*]}):"
  grep -E '✓|×|FAIL|^tests: ' "$leg_out" | grep -v '^\s*✓ .*›' || true
  [ "$leg_rc" -eq 0 ] || { tail -n 60 "$leg_out"; rc=1; }
fi
set -e
if [ "$lint_rc" -ne 0 ]; then
  echo "lint failed (npm run lint):"
  cat "$lint_out"
  rc=1
fi
# Repeat the summary as the very last line, where CI reads it; a lint failure counts as one.
summary=$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1 || true)
[ -n "$summary" ] || summary="tests: 0 passed, 1 failed, 0 skipped"
if [ -n "$leg_pid" ]; then
  # the cluster leg's counts join the suite's (a leg that printed none counts as one failure)
  leg=$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed' "$leg_out" | tail -n 1 || true)
  [ -n "$leg" ] || leg="tests: 0 passed, 1 failed, 0 skipped"
  read -r p f k < <(sed -E 's/tests: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$summary")
  read -r lp lf lk < <(sed -E 's/tests: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$leg")
  summary="tests: $((p + lp)) passed, $((f + lf)) failed, $((k + lk)) skipped"
fi
if [ "$lint_rc" -ne 0 ]; then
  failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$summary")
  summary=$(sed -E "s/ [0-9]+ failed/ $((failed + 1)) failed/" <<<"$summary")
fi
# The files that failed, with their first error, again here: CI shows only the log's tail.
sed -n '/^\(FAILED\|UNHANDLED\) /,/^tests: /p' "$out" | grep -v '^tests: ' || true
echo "$summary"
exit "$rc"
