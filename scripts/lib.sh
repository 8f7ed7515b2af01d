# shellcheck shell=bash
# Shared paths and helpers for the service scripts. Everything they create lives
# outside the work tree: state (data dirs, logs, pids) under SCENIC_STATE, build
# caches (Go-built binaries) under SCENIC_CACHE, so a fresh clone stays clean.
set -euo pipefail

SCENIC_STATE=${SCENIC_STATE:-/var/tmp/scenic}
SCENIC_CACHE=${SCENIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scenic}
SCENIC_PG_PORT=${SCENIC_PG_PORT:-54329}
SCENIC_REDIS_PORT=${SCENIC_REDIS_PORT:-63799}
SCENIC_ETCD_PORT=${SCENIC_ETCD_PORT:-23799}
SCENIC_KUBE_PORT=${SCENIC_KUBE_PORT:-16443}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SCENIC_STATE SCENIC_CACHE

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install sudo or run as root)"; fi
}

# apt_install PKG... installs Debian packages that are missing, once per run.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # policy-rc.d keeps the packages' own init scripts from starting default
  # clusters on the standard ports; we start our own instances below.
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
}

# wait_for DESCRIPTION SECONDS CMD... polls CMD until it succeeds.
# pid_running PID: the process exists and is not a zombie. kill -0 succeeds on a
# process killed a moment ago until its parent (here often PID 1) reaps it, and a
# service "still running" on that evidence is never restarted.
pid_running() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$stat" ] && [ "${stat#Z}" = "$stat" ]
}

wait_for() {
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then log "$what did not come up within ${secs}s"; return 1; fi
    sleep 0.2
  done
}

# The env file the tests, the demo and CI source to find the services.
ENV_FILE="$SCENIC_STATE/env"
env_set() {
  mkdir -p "$SCENIC_STATE"
  touch "$ENV_FILE"
  grep -v "^export $1=" "$ENV_FILE" > "$ENV_FILE.tmp" || true
  printf 'export %s=%q\n' "$1" "$2" >> "$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# --- Postgres and Redis instances on loopback, shared by services.sh and bench-services.sh ---

# pg_bin: the newest installed PostgreSQL server's bin directory.
pg_bin() {
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -1) || true
  [ -n "$d" ] || die "PostgreSQL server binaries not found (apt_install postgresql first)"
  echo "$d"
}

# Postgres refuses to run as root; as root it runs as the 'postgres' user that the Debian
# package creates.
pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# reserve_ports PORT|FROM-TO...: our daemons listen on fixed ports, some inside Linux's
# ephemeral range (32768-60999). A busy test run opens thousands of client sockets, and
# one of them can hold such a port for a moment: a daemon started then fails with
# "Address already in use" (a Patroni replica did, recovered on its own WAL and could
# never follow its primary again). Reserved ports are never handed out as a client's.
# Best effort: where /proc/sys is read-only it says so and goes on.
reserve_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports cur
  cur=$(cat "$f" 2>/dev/null) || return 0
  if ! { as_root sh -c "echo '${cur:+$cur,}$(IFS=,; echo "$*")' > $f"; } 2>/dev/null; then
    log "could not reserve ports $* ($f): a busy run may take one of them as a client port"
  fi
}

# pg_instance_up DATA PORT SETTINGS: initdb DATA once (trust on loopback: a throwaway
# dev/test/bench cluster, never a deployment), start it on 127.0.0.1:PORT with SETTINGS
# (`-c name=value …`) unless it runs, wait for it and create the `scenic` database.
pg_instance_up() {
  local data=$1 port=$2 settings=$3 bin
  reserve_ports "$port"
  bin=$(pg_bin)
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"; chown "$(pg_user)" "$data"; chmod 700 "$data"
    as_pg "$bin/initdb" -D "$data" -U scenic --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp $settings" >/dev/null \
      || { tail -n 20 "$data/server.log" >&2; die "postgres ($data) failed to start"; }
  fi
  wait_for "postgres on :$port" 30 "$bin/pg_isready" -h 127.0.0.1 -p "$port" || die "postgres on :$port is not ready"
  psql -h 127.0.0.1 -p "$port" -U scenic -d postgres -tAc "select 1 from pg_database where datname='scenic'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$port" -U scenic -d postgres -qc "create database scenic" >/dev/null
}

# pg_instance_down DATA: fast shutdown (data kept).
pg_instance_down() {
  [ -s "$1/PG_VERSION" ] || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$1" -m fast stop >/dev/null 2>&1 || true
}

# redis_instance_up PORT DIR [redis-server args…]: a Redis without persistence on
# 127.0.0.1:PORT (state, pid and log in DIR) unless one answers there; waits for it.
redis_instance_up() {
  local port=$1 dir=$2; shift 2
  reserve_ports "$port"
  mkdir -p "$dir"
  if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
      --save '' --appendonly no "$@" >/dev/null
  fi
  wait_for "redis on :$port" 30 redis-cli -p "$port" ping || die "redis on :$port is not ready"
}

redis_instance_down() { redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true; }
