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

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

up() {
  apt_install postgresql redis-server
  local bin; bin=$(pg_bin); [ -n "$bin" ] || die "PostgreSQL server binaries not found"
  mkdir -p "$BENCH_STATE"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    mkdir -p "$PG_DATA"; chown "$(pg_user)" "$PG_DATA"; chmod 700 "$PG_DATA"
    # trust on loopback only: a throwaway benchmark cluster, never a deployment
    as_pg "$bin/initdb" -D "$PG_DATA" -U scenic --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $BENCH_PG_PORT -k /tmp -c max_connections=200 -c fsync=on -c synchronous_commit=on -c shared_buffers=256MB" >/dev/null \
      || { tail -20 "$PG_DATA/server.log" >&2; die "postgres failed to start"; }
  fi
  psql -h 127.0.0.1 -p "$BENCH_PG_PORT" -U scenic -d postgres -tAc "select 1 from pg_database where datname='scenic'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$BENCH_PG_PORT" -U scenic -d postgres -qc "create database scenic" >/dev/null
  if ! redis-cli -p "$BENCH_REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$BENCH_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$BENCH_STATE/redis.pid" --logfile "$BENCH_STATE/redis.log" --dir "$BENCH_STATE"
  fi
  log "bench postgres (fsync=on, synchronous_commit=on) on :$BENCH_PG_PORT, redis on :$BENCH_REDIS_PORT"
}

down() {
  local bin; bin=$(pg_bin)
  if [ -s "$PG_DATA/PG_VERSION" ]; then as_pg "$bin/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true; fi
  redis-cli -p "$BENCH_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
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
