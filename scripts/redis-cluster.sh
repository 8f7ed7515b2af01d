#!/usr/bin/env bash
# A real Redis Cluster on loopback for tests, benches and the demo: Debian's
# redis-server in cluster mode, 3 masters + 3 replicas on ports BASE..BASE+5
# (63800-63805; cluster bus on 53800-53805), created with `redis-cli --cluster create --cluster-replicas 1`.
# State (one dir per node: nodes.conf, log, pid) lives in $SCENIC_STATE/redis-cluster.
# SCENIC_REDIS_CLUSTER_NAME=failover (with ports of its own) runs a second cluster beside it:
# state in $SCENIC_STATE/redis-cluster-failover, nodes exported as REDIS_CLUSTER_FAILOVER_NODES.
# The failover tests kill masters of that one, so the cluster leg of the test command
# (scripts/test.sh) never sees a failover it did not ask for.
# Usage: scripts/redis-cluster.sh install|up|down|purge|status|env|kill-master
#   install             only install the Debian packages (CI does this before the tests,
#                       which then start the cluster themselves)
#   up                  install if needed, reuse a healthy cluster or (re)create it,
#                       write REDIS_CLUSTER_NODES to $SCENIC_STATE/env
#   down                stop the six nodes (nodes.conf is kept: `up` reassembles them)
#   purge               down, then delete the state dir (the next `up` creates afresh)
#   status              `cluster nodes` as one live node sees it
#   env                 print the export line
#   kill-master KEY|--slot N|--key KEY [--keep-down]
#                       SIGKILL the master serving that key's (or that) slot, wait for
#                       its replica's promotion and print one JSON line on stdout:
#                       {"slot":..,"killed":"host:port","promoted":"host:port","seconds":..}
#                       then restart the killed node so it rejoins as a replica
#                       (unless --keep-down). A bare all-digits argument is a slot.
# Persistence is off (like scripts/services.sh's Redis): a node restarted before its
# replica was promoted comes back empty. kill-master restarts only after promotion.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ha-lib.sh"

BASE=${SCENIC_REDIS_CLUSTER_PORT:-63800}
# The cluster bus defaults to port+10000, past 65535 for these ports: put it below.
BUS_BASE=${SCENIC_REDIS_CLUSTER_BUS_PORT:-53800}
# How long a master may be unreachable before it is marked failed and its replica
# elected: the main term of the failover time. 2 s is short for a test yet long
# enough that a busy 2-core machine does not fail over spuriously.
NODE_TIMEOUT_MS=${SCENIC_REDIS_CLUSTER_NODE_TIMEOUT_MS:-2000}
NAME=${SCENIC_REDIS_CLUSTER_NAME:-}
if [ -n "$NAME" ]; then
  [[ $NAME =~ ^[a-z0-9]+$ ]] || die "SCENIC_REDIS_CLUSTER_NAME must be lower-case letters and digits"
  DIR="$SCENIC_STATE/redis-cluster-$NAME"
  NODES_VAR="REDIS_CLUSTER_${NAME^^}_NODES"
else
  DIR="$SCENIC_STATE/redis-cluster"
  NODES_VAR=REDIS_CLUSTER_NODES
fi
PORTS=()
for i in 0 1 2 3 4 5; do PORTS+=($((BASE + i))); done

cli() { local port=$1; shift; redis-cli -h 127.0.0.1 -p "$port" "$@"; }
alive() { [ "$(cli "$1" ping 2>/dev/null)" = PONG ]; }

node_start() {
  local port=$1 d="$DIR/$1"
  reserve_ports "$port" "$((BUS_BASE + port - BASE))"
  alive "$port" && return 0
  mkdir -p "$d"
  # cluster-replica-validity-factor 0: a replica always stands for election, however
  # long it was cut off; availability over staleness, as the failover test expects.
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes \
    --cluster-enabled yes --cluster-config-file "$d/nodes.conf" --cluster-port $((BUS_BASE + port - BASE)) \
    --cluster-node-timeout "$NODE_TIMEOUT_MS" --cluster-replica-validity-factor 0 \
    --cluster-announce-ip 127.0.0.1 \
    --dir "$d" --pidfile "$d/redis.pid" --logfile "$d/redis.log" \
    --save '' --appendonly no --maxclients 10000 >/dev/null 9>&- # the daemon must not hold the up lock
}

# The first live node's view of the cluster (`cluster nodes` lines).
nodes_view() {
  local p
  for p in "${PORTS[@]}"; do
    if alive "$p"; then cli "$p" cluster nodes; return 0; fi
  done
  return 1
}

# healthy: every node up, agrees the cluster is ok with 6 known nodes and all slots
# served, 3 masters each with a replica whose replication link is up.
healthy() {
  local p info
  for p in "${PORTS[@]}"; do
    info=$(cli "$p" cluster info 2>/dev/null) || return 1
    grep -q '^cluster_state:ok' <<<"$info" || return 1
    grep -q '^cluster_known_nodes:6' <<<"$info" || return 1
    grep -q '^cluster_slots_ok:16384' <<<"$info" || return 1
  done
  nodes_view | awk '
    $3 ~ /fail|handshake|noaddr/ { bad = 1 }
    $3 ~ /master/ && NF >= 9 { masters[$1] = 1 }
    $3 ~ /slave/ { replicas[$4]++ }
    END {
      n = 0; for (m in masters) { n++; if (!(m in replicas)) bad = 1 }
      exit (bad || n != 3) ? 1 : 0
    }' || return 1
  for p in "${PORTS[@]}"; do
    info=$(cli "$p" info replication) || return 1
    if grep -q '^role:slave' <<<"$info"; then grep -q '^master_link_status:up' <<<"$info" || return 1; fi
  done
}

stop_all() {
  local p
  for p in "${PORTS[@]}"; do cli "$p" shutdown nosave >/dev/null 2>&1 || true; done
  for p in "${PORTS[@]}"; do wait_for "redis $p to stop" 10 bash -c "! redis-cli -h 127.0.0.1 -p $p ping" || true; done
}

create() {
  log "creating a new cluster on 127.0.0.1:${PORTS[0]}-${PORTS[5]}"
  stop_all
  rm -rf "$DIR"
  mkdir -p "$DIR"
  local p addrs=()
  for p in "${PORTS[@]}"; do node_start "$p"; addrs+=("127.0.0.1:$p"); done
  for p in "${PORTS[@]}"; do wait_for "redis $p" 10 alive "$p" || die "redis $p did not start: $(tail -n 5 "$DIR/$p/redis.log")"; done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$DIR/create.log" 2>&1 \
    || { tail -n 20 "$DIR/create.log" >&2; die "redis-cli --cluster create failed"; }
}

install_packages() { apt_install redis-server; }

up() {
  install_packages
  mkdir -p "$DIR"
  exec 9>"$DIR.lock"
  flock -w 300 9 || die "another up holds $DIR.lock"
  if healthy; then
    log "redis cluster already up on 127.0.0.1:${PORTS[0]}-${PORTS[5]}"
  else
    # Restart nodes that are down: with their nodes.conf they rejoin the cluster they
    # belonged to (a killed master comes back as a replica of its promoted one).
    local p known=1
    for p in "${PORTS[@]}"; do
      # A node that was part of a full cluster lists all six nodes in its nodes.conf.
      [ "$(grep -c ' connected\| disconnected' "$DIR/$p/nodes.conf" 2>/dev/null)" = 6 ] || known=0
      node_start "$p"
    done
    if [ $known = 0 ] || ! wait_for "the existing redis cluster to heal" 20 healthy; then create; fi
    wait_for "redis cluster" 30 healthy || { nodes_view >&2 || true; die "redis cluster is not healthy"; }
    log "redis cluster up on 127.0.0.1:${PORTS[0]}-${PORTS[5]}"
  fi
  env_set "$NODES_VAR" "$(printf '127.0.0.1:%s,' "${PORTS[@]}" | sed 's/,$//')"
}

# master_of SLOT: "id port" of the live master serving SLOT.
master_of() {
  nodes_view | awk -v slot="$1" '
    $3 ~ /master/ && $3 !~ /fail/ {
      for (i = 9; i <= NF; i++) {
        if ($i ~ /^\[/) continue
        n = split($i, r, "-"); lo = r[1]; hi = (n == 2) ? r[2] : r[1]
        if (slot + 0 >= lo + 0 && slot + 0 <= hi + 0) { split($2, a, "[:@]"); print $1, a[2]; exit }
      }
    }'
}

# replica_ports MASTER_ID: ports of the replicas of that master.
replica_ports() {
  nodes_view | awk -v id="$1" '$3 ~ /slave/ && $4 == id { split($2, a, "[:@]"); print a[2] }'
}

is_promoted() {
  local p
  for p in "$@"; do
    if cli "$p" info replication 2>/dev/null | grep -q '^role:master' \
      && cli "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then
      echo "$p"; return 0
    fi
  done
  return 1
}

kill_master() {
  local slot="" key="" keep_down=0
  while [ $# -gt 0 ]; do
    case $1 in
      --slot) slot=$2; shift 2 ;;
      --key) key=$2; shift 2 ;;
      --keep-down) keep_down=1; shift ;;
      *) if [[ $1 =~ ^[0-9]+$ ]]; then slot=$1; else key=$1; fi; shift ;;
    esac
  done
  [ -n "$slot$key" ] || die "usage: $0 kill-master KEY|--slot N|--key KEY [--keep-down]"
  # one kill at a time (two test files may share the cluster); `up` takes the same lock
  exec 9>"$DIR.lock"
  flock -w 300 9 || die "another kill-master or up holds $DIR.lock"
  healthy || die "the cluster is not healthy: run \`bash $0 up\` first"
  [ -n "$slot" ] || slot=$(cli "${PORTS[0]}" cluster keyslot "$key")
  if ! [[ $slot =~ ^[0-9]+$ ]] || [ "$slot" -ge 16384 ]; then die "not a slot: $slot"; fi
  local id port replicas pid t0 promoted=""
  read -r id port < <(master_of "$slot") || die "no live master serves slot $slot"
  mapfile -t replicas < <(replica_ports "$id")
  [ ${#replicas[@]} -gt 0 ] || die "master 127.0.0.1:$port has no replica to promote"
  pid=$(cat "$DIR/$port/redis.pid")
  t0=$(now_s)
  kill -KILL "$pid"
  log "SIGKILLed master 127.0.0.1:$port (pid $pid, slot $slot); waiting for one of ${replicas[*]} to take over"
  local deadline=$((SECONDS + 60))
  until promoted=$(is_promoted "${replicas[@]}"); do
    [ $SECONDS -lt $deadline ] || die "no replica of 127.0.0.1:$port was promoted within 60 s"
    sleep 0.05
  done
  local secs
  secs=$(elapsed "$t0")
  log "127.0.0.1:$promoted promoted after ${secs}s"
  rm -f "$DIR/$port/redis.pid"
  if [ $keep_down = 0 ]; then
    node_start "$port"
    wait_for "127.0.0.1:$port to rejoin as a replica" 30 healthy || die "the cluster did not heal after the restart"
  fi
  printf '{"slot":%s,"killed":"127.0.0.1:%s","promoted":"127.0.0.1:%s","seconds":%s}\n' \
    "$slot" "$port" "$promoted" "$secs"
}

case "${1:-up}" in
  install) install_packages ;;
  up) up ;;
  down) stop_all; log "redis cluster stopped" ;;
  purge) stop_all; rm -rf "$DIR" "$DIR.lock"; log "redis cluster stopped and its state removed" ;;
  status) nodes_view || die "no cluster node is running" ;;
  env) grep "^export $NODES_VAR=" "$ENV_FILE" 2>/dev/null || true ;;
  kill-master) shift; kill_master "$@" ;;
  *) die "usage: $0 install|up|down|purge|status|env|kill-master KEY|--slot N [--keep-down]" ;;
esac
