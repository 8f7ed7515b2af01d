#!/usr/bin/env bash
# Installs (if missing) and starts PostgreSQL and Redis on loopback for tests, the
# demo and CI. Usage: scripts/services.sh up|down|status|env|up-cluster|down-cluster
#   up            install from Debian packages if needed, start both, write $SCENIC_STATE/env
#   down          stop both (data is kept)
#   env           print the export lines (eval "$(scripts/services.sh env)")
#   up-cluster    also a Redis Cluster (3 masters + 3 replicas, scripts/redis-cluster.sh) on
#                 127.0.0.1:63800-63805, state in $SCENIC_STATE/redis-cluster; exports
#                 REDIS_CLUSTER_NODES (the cluster leg of scripts/test.sh runs on it)
#   down-cluster  stop that cluster (its nodes.conf is kept)
source "$(dirname "$0")/lib.sh"

PG_DATA="$SCENIC_STATE/pg"
REDIS_DIR="$SCENIC_STATE/redis"

pg_up() {
  apt_install postgresql
  mkdir -p "$SCENIC_STATE"
  pg_instance_up "$PG_DATA" "$SCENIC_PG_PORT" \
    "-c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  env_set DATABASE_URL "postgres://scenic@127.0.0.1:$SCENIC_PG_PORT/scenic"
  log "postgres up on 127.0.0.1:$SCENIC_PG_PORT"
}

redis_up() {
  apt_install redis-server
  redis_instance_up "$SCENIC_REDIS_PORT" "$REDIS_DIR" --maxclients 20000
  env_set REDIS_URL "redis://127.0.0.1:$SCENIC_REDIS_PORT"
  log "redis up on 127.0.0.1:$SCENIC_REDIS_PORT"
}

down() {
  pg_instance_down "$PG_DATA"
  redis_instance_down "$SCENIC_REDIS_PORT"
  log "postgres and redis stopped"
}

case "${1:-up}" in
  up) pg_up; redis_up ;;
  down) down ;;
  env) cat "$ENV_FILE" ;;
  up-cluster) bash "$(dirname "$0")/redis-cluster.sh" up ;;
  down-cluster) bash "$(dirname "$0")/redis-cluster.sh" down ;;
  status)
    pg_isready -h 127.0.0.1 -p "$SCENIC_PG_PORT" || true
    redis-cli -p "$SCENIC_REDIS_PORT" ping || true
    bash "$(dirname "$0")/redis-cluster.sh" status 2>/dev/null | head -6 || true ;;
  *) die "usage: $0 up|down|status|env|up-cluster|down-cluster" ;;
esac
