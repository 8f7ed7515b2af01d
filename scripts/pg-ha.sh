#!/usr/bin/env bash
# Postgres with automatic failover on loopback, the standard pattern: Patroni (Debian
# package) manages a primary and a synchronous replica, its etcd3 DCS is the etcd the
# repo builds (scripts/k8s-tools.sh), and HAProxy routes clients to whichever node
# answers Patroni's REST health check. State lives in $SCENIC_STATE/pg-ha.
#   etcd      127.0.0.1:23810 (peer 23811)
#   Patroni   pg0: Postgres 54330, REST 18008; pg1: Postgres 54331, REST 18009
#   HAProxy   54340 -> the primary (OPTIONS /primary), 54341 -> replicas (OPTIONS /replica),
#             stats on http://127.0.0.1:18404/
# Usage: scripts/pg-ha.sh install|up|down|purge|status|env|kill-primary
#   install       only install the Debian packages
#   up            install if needed, start (or reuse) everything, wait for a primary with a
#                 streaming synchronous standby, write PG_HA_URL (and PG_HA_REPLICA_URL)
#   down          stop HAProxy, both Patroni nodes (replica first) and etcd; data is kept
#   purge         down, then delete the state dir
#   kill-primary [--whole-node] [--no-rejoin]
#                 SIGKILL the primary's postmaster (with --whole-node its Patroni too, as
#                 if the machine died), probe writes through HAProxy every 100 ms until one
#                 lands on the promoted node, print one JSON line on stdout with the seconds
#                 of refused writes, then wait for the old node to rejoin as sync standby.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ha-lib.sh"

DIR="$SCENIC_STATE/pg-ha"
ETCD_PORT=${SCENIC_PG_HA_ETCD_PORT:-23810}
PG_PORT=${SCENIC_PG_HA_PORT:-54330}
REST_PORT=${SCENIC_PG_HA_REST_PORT:-18008}
PROXY_PORT=${SCENIC_PG_HA_PROXY_PORT:-54340}
STATS_PORT=${SCENIC_PG_HA_STATS_PORT:-18404}
NODES=(pg0 pg1)
RUN="$DIR/run"

node_index() { echo "${1#pg}"; }
pg_port() { echo $((PG_PORT + $(node_index "$1"))); }
rest_port() { echo $((REST_PORT + $(node_index "$1"))); }
rest() { curl -fsS -m 2 "http://127.0.0.1:$(rest_port "$1")$2"; }
rest_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' -X OPTIONS "http://127.0.0.1:$(rest_port "$1")$2" || true; }
# psql on a node's unix socket, as the cluster superuser (local connections are trusted).
node_psql() { local n=$1; shift; PGOPTIONS="-c client_min_messages=warning" as_pg psql -X -h "$RUN" -p "$(pg_port "$n")" -U scenic -v ON_ERROR_STOP=1 -qAt "$@"; }

etcd_bin() {
  local b
  for b in "${SCENIC_BIN_DIR:-}" "$SCENIC_CACHE/bin"; do
    if [ -n "$b" ] && [ -x "$b/etcd" ]; then echo "$b/etcd"; return 0; fi
  done
  bash "$REPO_ROOT/scripts/k8s-tools.sh" etcd >&2 || die "could not build etcd"
  echo "$SCENIC_CACHE/bin/etcd"
}

etcd_healthy() { curl -fsS -m 2 "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }

etcd_up() {
  etcd_healthy 2>/dev/null && return 0
  # Ours but not answering (starting, or shutting down): give it a moment, else replace it.
  if pid_alive "$DIR/etcd.pid"; then
    wait_for "etcd on $ETCD_PORT" 10 etcd_healthy && return 0
    stop_pidfile "$DIR/etcd.pid" 30
  fi
  local bin; bin=$(etcd_bin)
  mkdir -p "$DIR/etcd"
  chmod 700 "$DIR/etcd"
  # One member, so elections never happen; the short heartbeat keeps lease expiry close
  # to Patroni's ttl. No fsync: the DCS only holds leader keys and config for a test.
  start_daemon "$DIR/etcd.pid" "$DIR/etcd.log" "$bin" --name scenic-ha --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "scenic-ha=http://127.0.0.1:$((ETCD_PORT + 1))" \
    --heartbeat-interval 50 --election-timeout 500 --unsafe-no-fsync --log-level warn
  wait_for "etcd on $ETCD_PORT" 30 etcd_healthy || { tail -n 20 "$DIR/etcd.log" >&2; die "etcd failed to start"; }
}

secrets() {
  if [ ! -s "$DIR/secrets.env" ]; then
    umask 077
    printf 'SUPERUSER_PASSWORD=%s\nREPLICATION_PASSWORD=%s\n' "$(random_secret)" "$(random_secret)" >"$DIR/secrets.env"
    umask 022
  fi
  # shellcheck disable=SC1091
  source "$DIR/secrets.env"
}

# write_patroni_config NODE: durable settings (fsync, synchronous_commit and full page
# writes on) with small memory, and timings short enough for a test: the leader key
# lives 10 s, Patroni loops every second, DCS retries give up after 4 s (Patroni's rule
# loop_wait + 2 * retry_timeout <= ttl). primary_start_timeout 0: a crashed primary is
# failed over at once instead of being restarted in place (safe: the standby is sync).
# failsafe_mode: if etcd is down but both nodes see each other, the primary stays.
write_patroni_config() {
  local n=$1 d="$DIR/$1" f="$DIR/$1/patroni.yml"
  pg_own "$d"
  umask 077
  cat >"$f" <<YAML
scope: scenic-ha
namespace: /scenic/
name: $n
log:
  level: INFO
  format: '%(asctime)s %(levelname)s: %(message)s'
restapi:
  listen: 127.0.0.1:$(rest_port "$n")
  connect_address: 127.0.0.1:$(rest_port "$n")
etcd3:
  hosts: ['127.0.0.1:$ETCD_PORT']
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    primary_start_timeout: 0
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    failsafe_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        shared_buffers: 32MB
        wal_level: replica
        wal_log_hints: 'on'
        hot_standby: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 128MB
        fsync: 'on'
        synchronous_commit: 'on'
        full_page_writes: 'on'
        password_encryption: scram-sha-256
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
postgresql:
  listen: 127.0.0.1:$(pg_port "$n")
  connect_address: 127.0.0.1:$(pg_port "$n")
  data_dir: $d/data
  bin_dir: $(pg_bin)
  pgpass: $d/pgpass
  use_unix_socket: true
  authentication:
    superuser: {username: scenic, password: '$SUPERUSER_PASSWORD'}
    replication: {username: replicator, password: '$REPLICATION_PASSWORD'}
  parameters:
    unix_socket_directories: '$RUN'
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
YAML
  umask 022
  chown "$(pg_user)" "$f"
}

patroni_up() {
  local n=$1
  pid_alive "$DIR/$n/patroni.pid" && return 0
  write_patroni_config "$n"
  start_daemon --as-pg "$DIR/$n/patroni.pid" "$DIR/$n/patroni.log" patroni "$DIR/$n/patroni.yml"
}

primary() {
  local n
  for n in "${NODES[@]}"; do [ "$(rest_code "$n" /primary)" = 200 ] && { echo "$n"; return 0; }; done
  return 1
}

# sync_ok: one primary, the other node its streaming synchronous standby, both in
# Postgres and in the DCS. Patroni fails over only to a node the DCS lists as sync
# (/sync answers 200); before that it would restart a crashed primary in place.
sync_ok() {
  local p n
  p=$(primary) || return 1
  for n in "${NODES[@]}"; do
    [ "$n" = "$p" ] || [ "$(rest_code "$n" /sync)" = 200 ] || return 1
  done
  [ "$(node_psql "$p" -d postgres -c "select count(*) from pg_stat_replication where sync_state = 'sync' and state = 'streaming'")" = 1 ]
}

haproxy_config() {
  local n f="$DIR/haproxy.cfg"
  {
    cat <<CFG
global
  maxconn 1000
  log stdout format raw local0 info

# A refused connect is retried after min(timeout connect, 1 s): on loopback 500 ms is
# ample, and one retry is enough, since a node that refused is most likely dead.
defaults
  mode tcp
  log global
  retries 1
  timeout connect 500ms
  timeout client 30m
  timeout server 30m
  timeout check 1s

listen stats
  mode http
  bind 127.0.0.1:$STATS_PORT
  stats enable
  stats uri /
  stats refresh 2s

CFG
    local name port check
    for name in primary replicas; do
      port=$PROXY_PORT check=/primary
      [ $name = replicas ] && port=$((PROXY_PORT + 1)) check=/replica
      printf 'listen %s\n  bind 127.0.0.1:%s\n' "$name" "$port"
      # No node passes the check (mid-failover): refuse at once rather than queue the
      # client for `timeout connect`, so clients (and kill-primary's probe) retry promptly.
      printf '  tcp-request connection reject if { nbsrv(%s) eq 0 }\n' "$name"
      [ $name = replicas ] && printf '  balance roundrobin\n'
      printf '  option httpchk OPTIONS %s\n  http-check expect status 200\n' "$check"
      printf '  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions\n'
      for n in "${NODES[@]}"; do
        printf '  server %s 127.0.0.1:%s maxconn 200 check port %s\n' "$n" "$(pg_port "$n")" "$(rest_port "$n")"
      done
      printf '\n'
    done
  } >"$f.tmp"
  haproxy -c -q -f "$f.tmp" || die "invalid haproxy config $f.tmp"
  if ! cmp -s "$f.tmp" "$f"; then mv "$f.tmp" "$f"; stop_pidfile "$DIR/haproxy.pid" 10; else rm -f "$f.tmp"; fi
}

haproxy_up() {
  haproxy_config
  pid_alive "$DIR/haproxy.pid" && return 0
  # -db: foreground (the pid is ours to stop), logs to haproxy.log.
  start_daemon "$DIR/haproxy.pid" "$DIR/haproxy.log" haproxy -db -f "$DIR/haproxy.cfg"
}

url() { echo "postgres://scenic:$SUPERUSER_PASSWORD@127.0.0.1:$1/$2"; }
# probe: one durable write through HAProxy; prints the port of the node that took it.
probe() {
  PGCONNECT_TIMEOUT=1 psql -X -qAt "$(url "$PROXY_PORT" postgres)" \
    -c "insert into scenic_ha_probe (port) values (inet_server_port()) returning port" 2>/dev/null
}

healthy() { sync_ok && [ -n "$(probe)" ]; }

# prepare_primary: the application database and the probe table (in the postgres
# database, not the application's) exist on the current primary. Fails rather than
# exits, so wait_for retries it through a leader change.
prepare_primary() {
  local p has
  p=$(primary) || return 1
  has=$(node_psql "$p" -d postgres -c "select 1 from pg_database where datname = 'scenic'") || return 1
  if [ "$has" != 1 ]; then node_psql "$p" -d postgres -c "create database scenic" || return 1; fi
  node_psql "$p" -d postgres -c "create table if not exists scenic_ha_probe (id bigserial primary key, at timestamptz not null default now(), port int not null)"
}

# stable: healthy, and still healthy on the same primary three seconds later (HAProxy
# needs two checks a second apart to mark a node up or down).
stable() {
  local p
  healthy || return 1
  p=$(primary) || return 1
  sleep 3
  healthy && [ "$(primary)" = "$p" ]
}

install_packages() { apt_install postgresql patroni haproxy curl; }

up() {
  install_packages
  pg_own "$DIR" "$RUN"
  chmod 755 "$RUN"
  exec 9>"$DIR/up.lock"
  flock -w 300 9 || die "another up holds $DIR/up.lock"
  reserve_ports "$PG_PORT-$((PG_PORT + ${#NODES[@]} - 1))" "$PROXY_PORT-$((PROXY_PORT + 1))" \
    "$ETCD_PORT-$((ETCD_PORT + 1))" "$REST_PORT-$((REST_PORT + ${#NODES[@]} - 1))" "$STATS_PORT"
  secrets
  etcd_up
  local n
  for n in "${NODES[@]}"; do patroni_up "$n"; done
  # Restarted on old state (a reboot killed the postmasters, etcd kept the leader key),
  # Patroni first demotes the "crashed" leader and promotes again: a node can answer
  # /primary for a moment and then refuse connections. So each step is retried until
  # it holds, and the cluster must look the same twice before `up` returns.
  wait_for "a Patroni primary that accepts SQL" 120 prepare_primary || { tail -n 30 "$DIR"/pg*/patroni.log >&2; die "no primary elected"; }
  wait_for "a streaming synchronous standby" 120 sync_ok || { tail -n 30 "$DIR"/pg*/patroni.log >&2; die "no synchronous standby"; }
  haproxy_up
  wait_for "a stable primary taking writes through HAProxy on $PROXY_PORT" 90 stable || { tail -n 20 "$DIR/haproxy.log" >&2; die "HAProxy does not route to the primary"; }
  local p; p=$(primary)
  env_set PG_HA_URL "$(url "$PROXY_PORT" scenic)"
  env_set PG_HA_REPLICA_URL "$(url $((PROXY_PORT + 1)) scenic)"
  log "Patroni primary $p behind HAProxy on 127.0.0.1:$PROXY_PORT (replicas $((PROXY_PORT + 1)), stats $STATS_PORT)"
}

down() {
  stop_pidfile "$DIR/haproxy.pid" 10
  local p n
  p=$(primary 2>/dev/null) || p=""
  # Replicas first, so stopping the primary does not hand it the leader key.
  for n in "${NODES[@]}"; do [ "$n" = "$p" ] || stop_pidfile "$DIR/$n/patroni.pid" 60; done
  [ -z "$p" ] || stop_pidfile "$DIR/$p/patroni.pid" 60
  stop_pidfile "$DIR/etcd.pid" 10
  log "HAProxy, Patroni and etcd stopped"
}

kill_primary() {
  local whole=0 rejoin=1
  while [ $# -gt 0 ]; do
    case $1 in
      --whole-node) whole=1 ;;
      --no-rejoin) rejoin=0 ;;
      *) die "usage: $0 kill-primary [--whole-node] [--no-rejoin]" ;;
    esac
    shift
  done
  secrets
  healthy || die "the cluster is not healthy: run \`bash $0 up\` first"
  local old old_port pid t0 port="" refused=0 secs
  old=$(primary); old_port=$(pg_port "$old")
  pid=$(head -1 "$DIR/$old/data/postmaster.pid")
  t0=$(now_s)
  [ $whole = 1 ] && kill -KILL "$(cat "$DIR/$old/patroni.pid")"
  kill -KILL "$pid"
  log "SIGKILLed the postmaster of $old (pid $pid)$([ $whole = 1 ] && echo ' and its Patroni'); probing writes on $PROXY_PORT"
  local deadline=$((SECONDS + 120))
  for (( ; ; )); do
    port=$(probe) || port=""
    if [ -n "$port" ] && [ "$port" != "$old_port" ]; then break; fi
    if [ -n "$port" ] && [ $refused -gt 0 ]; then
      die "writes came back on $old after $(elapsed "$t0")s: Patroni restarted it in place instead of failing over (see $DIR/$old/patroni.log)"
    fi
    [ -n "$port" ] || refused=$((refused + 1))
    [ $SECONDS -lt $deadline ] || die "no write reached a new primary within 120 s"
    sleep 0.1
  done
  secs=$(elapsed "$t0")
  local new; new=$(primary || echo "?")
  log "writes refused for ${secs}s ($refused failed probes); new primary $new (port $port)"
  local rejoin_secs=null
  if [ $rejoin = 1 ]; then
    local t1; t1=$(now_s)
    [ $whole = 1 ] && patroni_up "$old"
    wait_for "$old to rejoin as synchronous standby" 120 sync_ok || die "$old did not rejoin"
    rejoin_secs=$(elapsed "$t1")
    log "$old rejoined as synchronous standby after ${rejoin_secs}s"
  fi
  printf '{"killed":"%s","killedPort":%s,"promoted":"%s","promotedPort":%s,"refusedSeconds":%s,"failedProbes":%s,"rejoinSeconds":%s}\n' \
    "$old" "$old_port" "$new" "$port" "$secs" "$refused" "$rejoin_secs"
}

status() {
  local n
  for n in "${NODES[@]}"; do
    printf '%s: %s\n' "$n" "$(rest "$n" /patroni 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("role"), d.get("state"), "timeline", d.get("timeline"))' 2>/dev/null || echo down)"
  done
  curl -fsS -m 2 "http://127.0.0.1:$STATS_PORT/;csv" 2>/dev/null | awk -F, '$1 ~ /primary|replicas/ && $2 !~ /FRONTEND|BACKEND/ { print "haproxy " $1 "/" $2 ": " $18 }' || echo "haproxy: down"
}

case "${1:-up}" in
  install) install_packages ;;
  up) up ;;
  down) down ;;
  purge) down; rm -rf "$DIR"; log "state removed" ;;
  status) status ;;
  env) grep -E '^export PG_HA_(REPLICA_)?URL=' "$ENV_FILE" 2>/dev/null || true ;;
  kill-primary) shift; kill_primary "$@" ;;
  *) die "usage: $0 install|up|down|purge|status|env|kill-primary [--whole-node] [--no-rejoin]" ;;
esac
