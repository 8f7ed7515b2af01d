#!/usr/bin/env bash
# Installs (if missing) and starts PostgreSQL and Redis on loopback for tests, the
# demo and CI. Usage: scripts/services.sh up|down|status|env
#   up      install from Debian packages if needed, start both, write $SCENIC_STATE/env
#   down    stop both (data is kept)
#   env     print the export lines (eval "$(scripts/services.sh env)")
source "$(dirname "$0")/lib.sh"

PG_DATA="$SCENIC_STATE/pg"
REDIS_DIR="$SCENIC_STATE/redis"

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] || die "PostgreSQL server binaries not found after install"
  echo "$d"
}

# Postgres refuses to run as root; as root we run it as the 'postgres' user that
# the Debian package creates.
pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_up() {
  apt_install postgresql
  local bin; bin=$(pg_bin)
  mkdir -p "$SCENIC_STATE"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    mkdir -p "$PG_DATA"; chown "$(pg_user)" "$PG_DATA"; chmod 700 "$PG_DATA"
    # trust on loopback only: a throwaway dev/test cluster, never a deployment.
    as_pg "$bin/initdb" -D "$PG_DATA" -U scenic --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $SCENIC_PG_PORT -k /tmp -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
      || { tail -20 "$PG_DATA/server.log" >&2; die "postgres failed to start"; }
  fi
  wait_for postgres 30 "$bin/pg_isready" -h 127.0.0.1 -p "$SCENIC_PG_PORT" || die "postgres is not ready"
  psql -h 127.0.0.1 -p "$SCENIC_PG_PORT" -U scenic -d postgres -tAc "select 1 from pg_database where datname='scenic'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$SCENIC_PG_PORT" -U scenic -d postgres -qc "create database scenic" >/dev/null
  env_set DATABASE_URL "postgres://scenic@127.0.0.1:$SCENIC_PG_PORT/scenic"
  log "postgres up on 127.0.0.1:$SCENIC_PG_PORT"
}

redis_up() {
  apt_install redis-server
  mkdir -p "$REDIS_DIR"
  if ! redis-cli -p "$SCENIC_REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$SCENIC_REDIS_PORT" --daemonize yes \
      --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
      --save '' --appendonly no --maxclients 20000 >/dev/null
  fi
  wait_for redis 30 redis-cli -p "$SCENIC_REDIS_PORT" ping || die "redis is not ready"
  env_set REDIS_URL "redis://127.0.0.1:$SCENIC_REDIS_PORT"
  log "redis up on 127.0.0.1:$SCENIC_REDIS_PORT"
}

down() {
  if [ -s "$PG_DATA/PG_VERSION" ]; then as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true; fi
  redis-cli -p "$SCENIC_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  log "postgres and redis stopped"
}

case "${1:-up}" in
  up) pg_up; redis_up ;;
  down) down ;;
  env) cat "$ENV_FILE" ;;
  status)
    pg_isready -h 127.0.0.1 -p "$SCENIC_PG_PORT" || true
    redis-cli -p "$SCENIC_REDIS_PORT" ping || true ;;
  *) die "usage: $0 up|down|status|env" ;;
esac
