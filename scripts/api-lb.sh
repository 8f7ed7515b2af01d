#!/usr/bin/env bash
# A load balancer in front of N `scenic api` processes, for the N-process benches and
# tests: HAProxy (Debian) in HTTP mode on 127.0.0.1:18080, health-checking each backend's
# GET /healthz, least-connections balancing, and a request whose connection to a dead
# backend failed is retried on another (retry-on conn-failure: the request was never
# sent, so this is safe for POSTs). Stats (CSV with `;csv`) at /haproxy?stats.
# State lives in $SCENIC_STATE/api-lb.
# Usage: scripts/api-lb.sh install|up [HOST:PORT...]|down|status|env
#   up HOST:PORT...   (re)configure the backends and start, or gracefully reload
#                     (-sf: the old process finishes its requests); without backends,
#                     reuse the running configuration. Writes API_LB_URL.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ha-lib.sh"

DIR="$SCENIC_STATE/api-lb"
PORT=${SCENIC_API_LB_PORT:-18080}
CFG="$DIR/haproxy.cfg"

# maxconn: each proxied connection holds two descriptors; stay within the hard limit.
maxconn() {
  local hard; hard=$(ulimit -Hn)
  [ "$hard" = unlimited ] && hard=40400
  local n=$(((hard - 400) / 2))
  [ $n -gt 20000 ] && n=20000
  echo $n
}

write_config() {
  local i=0 b
  {
    cat <<CFG
global
  maxconn $(maxconn)
  log stdout format raw local0 notice

defaults
  mode http
  log global
  option httplog
  option redispatch
  retries 2
  retry-on conn-failure empty-response response-timeout
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 10s
  # a busy API answers its health check late, not never: 1 s marked every backend down at
  # once in a surge (503 for all); a dead one refuses the connection and is down in 2 s
  timeout check 5s

frontend api
  bind 127.0.0.1:$PORT
  stats enable
  stats uri /haproxy?stats
  default_backend scenic_api

backend scenic_api
  balance leastconn
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 1s fall 2 rise 1 maxconn 5000
CFG
    for b in "$@"; do
      [[ $b =~ ^[0-9.]+:[0-9]+$ ]] || die "not a HOST:PORT backend: $b"
      printf '  server api%s %s check\n' "$i" "$b"
      i=$((i + 1))
    done
  } >"$CFG.tmp"
  haproxy -c -q -f "$CFG.tmp" || die "invalid haproxy config $CFG.tmp"
}

healthy() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/haproxy?stats;csv"; }

install_packages() { apt_install haproxy curl; }

up() {
  install_packages
  mkdir -p "$DIR"
  exec 9>"$DIR/up.lock"
  flock -w 60 9 || die "another up holds $DIR/up.lock"
  if [ $# -eq 0 ]; then
    [ -s "$CFG" ] || die "usage: $0 up HOST:PORT... (no backends configured yet)"
    if ! pid_alive "$DIR/haproxy.pid" || ! healthy; then start; fi
  else
    write_config "$@"
    if pid_alive "$DIR/haproxy.pid" && cmp -s "$CFG.tmp" "$CFG" && healthy; then
      rm -f "$CFG.tmp"
    else
      mv "$CFG.tmp" "$CFG"
      start
    fi
  fi
  env_set API_LB_URL "http://127.0.0.1:$PORT"
  log "HAProxy on 127.0.0.1:$PORT in front of $(grep -c '^  server ' "$CFG") API backend(s)"
}

# start: a new HAProxy; if one runs, -sf hands it over gracefully.
start() {
  local old=()
  pid_alive "$DIR/haproxy.pid" && old=(-sf "$(cat "$DIR/haproxy.pid")")
  start_daemon "$DIR/haproxy.pid" "$DIR/haproxy.log" haproxy -db -f "$CFG" "${old[@]}"
  wait_for "HAProxy on $PORT" 15 healthy || { tail -n 20 "$DIR/haproxy.log" >&2; die "HAProxy failed to start"; }
}

status() {
  curl -fsS -m 2 "http://127.0.0.1:$PORT/haproxy?stats;csv" \
    | awk -F, '$1 == "scenic_api" && $2 != "BACKEND" { print $2 ": " $18 ", " $8 " sessions" }' || echo "api-lb: down"
}

case "${1:-up}" in
  install) install_packages ;;
  up) shift || true; up "$@" ;;
  down) stop_pidfile "$DIR/haproxy.pid" 10; log "api load balancer stopped" ;;
  status) status ;;
  env) grep '^export API_LB_URL=' "$ENV_FILE" 2>/dev/null || true ;;
  *) die "usage: $0 install|up [HOST:PORT...]|down|status|env" ;;
esac
