#!/usr/bin/env bash
# A real Prometheus and Alertmanager on loopback for the alerting tests and the demo
# (Debian packages `prometheus`, which ships promtool, and `prometheus-alertmanager`,
# which ships amtool). Usage: scripts/observability.sh install|up|down|status|env
#   install  install the packages if missing (promtool and amtool, nothing started)
#   up       install, then start Prometheus on 127.0.0.1:$SCENIC_PROM_PORT (19090) and
#            Alertmanager on 127.0.0.1:$SCENIC_AM_PORT (19093); write the env file
#   down     stop both (state under $SCENIC_STATE/observability is kept)
#   env      print the export lines
# Both run with --web.enable-lifecycle and read their configuration from
# $SCENIC_OBSERVABILITY_DIR/{prometheus,alertmanager}.yml: a test writes its own
# (scrape targets, the chart's rules, routes to its receivers) and POSTs /-/reload.
# The configuration `up` writes is an idle one: nothing scraped, every alert dropped.
source "$(dirname "$0")/lib.sh"

SCENIC_PROM_PORT=${SCENIC_PROM_PORT:-19090}
SCENIC_AM_PORT=${SCENIC_AM_PORT:-19093}
DIR="$SCENIC_STATE/observability"
PROM_URL="http://127.0.0.1:$SCENIC_PROM_PORT"
AM_URL="http://127.0.0.1:$SCENIC_AM_PORT"

install() {
  apt_install prometheus prometheus-alertmanager curl
  command -v promtool >/dev/null || die "promtool missing after installing prometheus"
  command -v amtool >/dev/null || die "amtool missing after installing prometheus-alertmanager"
}

# Short intervals: a test sees a sale in Prometheus within a second or two.
write_idle_config() {
  mkdir -p "$DIR/rules"
  [ -s "$DIR/prometheus.yml" ] || cat > "$DIR/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['$DIR/rules/*.yaml']
alerting:
  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:$SCENIC_AM_PORT'] }] }]
scrape_configs: []
YAML
  [ -s "$DIR/alertmanager.yml" ] || cat > "$DIR/alertmanager.yml" <<YAML
route: { receiver: drop }
receivers: [{ name: drop }]
YAML
}

start() { # NAME PIDFILE LOG CMD...
  local name=$1 pidfile=$2 logfile=$3; shift 3
  if [ -s "$pidfile" ] && pid_running "$(cat "$pidfile")"; then return 0; fi
  setsid "$@" >"$logfile" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  log "$name starting (log $logfile)"
}

up() {
  install
  write_idle_config
  mkdir -p "$DIR/prometheus-data" "$DIR/alertmanager-data"
  start prometheus "$DIR/prometheus.pid" "$DIR/prometheus.log" prometheus \
    --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/prometheus-data" \
    --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$SCENIC_PROM_PORT" \
    --web.enable-lifecycle
  # no peers: an empty cluster address turns gossip off
  start alertmanager "$DIR/alertmanager.pid" "$DIR/alertmanager.log" prometheus-alertmanager \
    --config.file="$DIR/alertmanager.yml" --storage.path="$DIR/alertmanager-data" \
    --web.listen-address="127.0.0.1:$SCENIC_AM_PORT" --cluster.listen-address=
  wait_for prometheus 60 curl -fsS "$PROM_URL/-/ready" || { tail -n 20 "$DIR/prometheus.log" >&2; die "prometheus is not ready"; }
  wait_for alertmanager 60 curl -fsS "$AM_URL/-/ready" || { tail -n 20 "$DIR/alertmanager.log" >&2; die "alertmanager is not ready"; }
  env_set SCENIC_PROMETHEUS_URL "$PROM_URL"
  env_set SCENIC_ALERTMANAGER_URL "$AM_URL"
  env_set SCENIC_OBSERVABILITY_DIR "$DIR"
  log "prometheus up on $PROM_URL, alertmanager on $AM_URL (config in $DIR)"
}

stop() { # NAME PIDFILE
  local pid
  [ -s "$2" ] || return 0
  pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do pid_running "$pid" || break; sleep 0.1; done
  fi
  rm -f "$2"
}

down() {
  stop prometheus "$DIR/prometheus.pid"
  stop alertmanager "$DIR/alertmanager.pid"
  log "prometheus and alertmanager stopped"
}

case "${1:-up}" in
  install) install ;;
  up) up ;;
  down) down ;;
  env)
    printf 'export SCENIC_PROMETHEUS_URL=%q\nexport SCENIC_ALERTMANAGER_URL=%q\nexport SCENIC_OBSERVABILITY_DIR=%q\n' \
      "$PROM_URL" "$AM_URL" "$DIR" ;;
  status)
    curl -fsS "$PROM_URL/-/ready" || true
    curl -fsS "$AM_URL/-/ready" || true ;;
  *) die "usage: $0 install|up|down|status|env" ;;
esac
