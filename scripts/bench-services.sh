#!/usr/bin/env bash
# A Postgres with durable commits (fsync=on, synchronous_commit=on: what production runs)
# and a Redis of the benchmark's own, on loopback ports of their own, for bench:orders.
# The shared dev services (scripts/services.sh) run fsync=off and stay untouched.
# Usage: scripts/bench-services.sh up|down|env      (state under $BENCH_STATE)
source "$(dirname "$0")/lib.sh"

BENCH_STATE=${BENCH_STATE:-/var/tmp/scenic-perf}
BENCH_PG_PORT=${BENCH_PG_PORT:-54391}
BENCH_REDIS_PORT=${BENCH_REDIS_PORT:-63891}
PG_DATA="$BENCH_STATE/pg"

# pg_instance_up/redis_instance_up and the rest: scripts/lib.sh (shared with services.sh)
up() {
  apt_install postgresql redis-server
  mkdir -p "$BENCH_STATE"
  pg_instance_up "$PG_DATA" "$BENCH_PG_PORT" \
    "-c max_connections=200 -c fsync=on -c synchronous_commit=on -c shared_buffers=256MB"
  redis_instance_up "$BENCH_REDIS_PORT" "$BENCH_STATE"
  redis_priority
  log "bench postgres (fsync=on, synchronous_commit=on) on :$BENCH_PG_PORT, redis on :$BENCH_REDIS_PORT"
}

# Redis's main thread at real-time round-robin priority. On two cores the API, Postgres and
# the load generator keep both busy, and a Redis preempted in the middle of a command books
# the scheduler's wait as that command's latency: SCHED_OTHER runs showed SLOWLOG RESET at
# 4.2 ms and 1-unit reserves at 5-7 ms. A production Redis has a CPU of its own; this lets the
# latency monitor (slowestRedisMs) measure Redis's work. BENCH_REDIS_REALTIME=0 turns it off;
# bench:orders reports the policy it ran under (redisScheduling).
redis_priority() {
  local pid
  pid=$(cat "$BENCH_STATE/redis.pid" 2>/dev/null) || return 0
  if [ "${BENCH_REDIS_REALTIME:-1}" = 1 ]; then
    chrt --rr -p 10 "$pid" ||
      log "warning: redis keeps SCHED_OTHER (chrt needs CAP_SYS_NICE); its latency includes the scheduler's waits"
  else
    chrt --other -p 0 "$pid"
  fi
}

down() {
  pg_instance_down "$PG_DATA"
  redis_instance_down "$BENCH_REDIS_PORT"
}

env_lines() {
  echo "export BENCH_DATABASE_URL=postgres://scenic@127.0.0.1:$BENCH_PG_PORT/scenic"
  echo "export BENCH_REDIS_URL=redis://127.0.0.1:$BENCH_REDIS_PORT"
}

case "${1:-}" in
  up) up; env_lines ;;
  down) down ;;
  env) env_lines ;;
  *) die "usage: $0 up|down|env" ;;
esac
