# shellcheck shell=bash
# Helpers shared by the high-availability scripts (redis-cluster.sh, pg-ha.sh,
# pg-backup.sh, api-lb.sh), sourced after lib.sh: daemons with pid files, timing, and
# Postgres. Postgres, Patroni and pgBackRest refuse to run as root; as root we run them
# as the 'postgres' user the Debian package creates, as scripts/services.sh does.

# pg_bin, pg_user and as_pg: scripts/lib.sh

# pg_own DIR...: create the directories owned by the Postgres user.
pg_own() {
  mkdir -p "$@"
  chown "$(pg_user):" "$@"
}

# random_secret: 32 hex characters from the kernel's CSPRNG, for per-state-dir
# passwords (never a fixed secret in the repo).
random_secret() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# start_daemon [--as-pg] PIDFILE LOGFILE CMD...: start CMD (as the Postgres user with
# --as-pg) in a session of its own, so it outlives the caller (a test runner or a CI
# step), and record its pid.
start_daemon() {
  local run=()
  if [ "$1" = --as-pg ]; then run=(as_pg); shift; fi
  local pidfile=$1 logfile=$2; shift 2
  # setsid without -f execs in place (a background job is no group leader), so $! is
  # the daemon's own pid. fd 9 (the callers' up lock) is closed for the daemon.
  # shellcheck disable=SC2016 # expanded by the inner sh
  "${run[@]}" sh -c 'pidfile=$1 logfile=$2; shift 2; setsid "$@" >>"$logfile" 2>&1 </dev/null & echo $! >"$pidfile"' \
    sh "$pidfile" "$logfile" "$@" 9>&-
}

# pid_alive PIDFILE: the recorded process is still running.
pid_alive() { [ -s "$1" ] && pid_running "$(cat "$1")"; }

pid_gone() { ! pid_running "$1"; }

# stop_pidfile PIDFILE SECONDS: SIGTERM the recorded process and wait for it to exit.
stop_pidfile() {
  local pidfile=$1 secs=$2 pid
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  wait_for "pid $pid to exit" "$secs" pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

# now_s: wall clock seconds with microseconds; elapsed T0: seconds since T0, 2 decimals.
now_s() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
