#!/usr/bin/env bash
# Backups with a tested point-in-time restore: pgBackRest (Debian package) backs up a
# durable Postgres on 127.0.0.1:54332 into a repository directory that stands in for
# off-site object storage, with continuous WAL archiving (archive_command). The drill
# restores into a FRESH cluster on 54333. State lives in $SCENIC_STATE/pg-backup
# (pg/ the source, repo/ the repository, drill/ the last restore, log/ pgBackRest's logs).
# Usage: scripts/pg-backup.sh install|up|down|purge|env|status|full|incr|info|archive|rpo|drill|drill-down
#   install      only install the Debian packages
#   up           install if needed, start (or reuse) the source cluster, create the stanza,
#                write PG_BACKUP_URL to $SCENIC_STATE/env
#   full|incr    take a full or incremental backup; prints {"type","label","seconds"}
#   info         pgbackrest info
#   archive      switch to a new WAL segment and wait until it is in the repository
#   rpo          write a row and time how long its WAL takes to reach the repository
#                without forcing a switch (bounded by archive_timeout): the RPO
#   drill --target "YYYY-MM-DD HH:MM:SS.ffffff+00"
#                restore the backup set before TARGET into a fresh cluster on 54333, replay
#                archived WAL up to TARGET, promote it, print one JSON line with the target,
#                the backup set, where recovery stopped, WAL files replayed and the seconds
#                (restore, recovery, total = RTO). The cluster stays up (PG_DRILL_URL) until
#                `drill-down` or `down`.
#
# Pointing the repository at S3-compatible object storage (production): replace
# repo1-path with these in the [global] section (or PGBACKREST_REPO1_* environment
# variables, which keep the keys out of files), on every host that archives or restores:
#   repo1-type=s3
#   repo1-s3-endpoint=<endpoint host>        repo1-s3-region=<region>
#   repo1-s3-bucket=<bucket>                 repo1-path=/scenic   (prefix in the bucket)
#   repo1-s3-key=<access key>                repo1-s3-key-secret=<secret key>
#   repo1-s3-uri-style=path                  (for MinIO/Ceph-style endpoints)
#   repo1-cipher-type=aes-256-cbc            repo1-cipher-pass=<long random secret>
#   repo1-retention-full=4                   (and a lifecycle rule never shorter)
# A second repository (repo2-*) can hold a copy in another region; archive-push writes to both.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ha-lib.sh"

DIR="$SCENIC_STATE/pg-backup"
PORT=${SCENIC_PG_BACKUP_PORT:-54332}
DRILL_PORT=${SCENIC_PG_DRILL_PORT:-$((PORT + 1))}
# The RPO bound: a WAL segment with any change is archived at most this many seconds
# after it was started. Production would use 60 s (each switch costs a 16 MB segment,
# compressed to almost nothing when mostly empty); 5 s keeps the tests short.
ARCHIVE_TIMEOUT=${SCENIC_PG_BACKUP_ARCHIVE_TIMEOUT:-5}
STANZA=scenic
CONF="$DIR/pgbackrest.conf"
RUN="$DIR/run"
SRC="$DIR/pg/data"
DRILL="$DIR/drill/data"

pgbr() { as_pg pgbackrest --config="$CONF" --stanza="$STANZA" "$@"; }
src_psql() { PGOPTIONS="-c client_min_messages=warning" as_pg psql -X -h "$RUN" -p "$PORT" -U scenic -v ON_ERROR_STOP=1 -qAt "$@"; }
running() { as_pg "$(pg_bin)/pg_ctl" -D "$1" status >/dev/null 2>&1; }

write_conf() {
  cat >"$CONF.tmp" <<CONF
[global]
repo1-path=$DIR/repo
repo1-retention-full=2
start-fast=y
compress-type=lz4
process-max=2
log-path=$DIR/log
lock-path=$DIR/lock
spool-path=$DIR/spool
log-level-console=warn
log-level-file=detail

[$STANZA]
pg1-path=$SRC
pg1-port=$PORT
pg1-socket-path=$RUN
pg1-user=scenic
CONF
  mv "$CONF.tmp" "$CONF"
  chmod 640 "$CONF"
  chown "$(pg_user)" "$CONF"
}

# The settings live in the data directory's postgresql.conf, so they travel with the
# backup as on a real server; the drill overrides port and archiving on its command line.
init_source() {
  [ -s "$SRC/PG_VERSION" ] && return 0
  pg_own "$SRC"
  chmod 700 "$SRC"
  # trust on loopback only: a throwaway test cluster, never a deployment.
  as_pg "$(pg_bin)/initdb" -D "$SRC" -U scenic --auth=trust -E UTF8 --locale=C.UTF-8 --data-checksums >/dev/null
  cat >>"$SRC/postgresql.conf" <<CONF

# scripts/pg-backup.sh: durable settings, WAL archived to the pgBackRest repository.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$RUN'
max_connections = 100
shared_buffers = 32MB
fsync = on
synchronous_commit = on
full_page_writes = on
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --config=$CONF --stanza=$STANZA archive-push %p'
archive_timeout = $ARCHIVE_TIMEOUT
CONF
}

start_cluster() {
  local data=$1; shift
  as_pg "$(pg_bin)/pg_ctl" -D "$data" -l "$data/../server.log" -w -t 300 start ${1:+-o "$*"} >/dev/null 9>&- \
    || { tail -n 20 "$data/../server.log" >&2; die "postgres in $data failed to start"; }
}

install_packages() { apt_install postgresql pgbackrest; }

ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$1"; }
stopped() { ! running "$1"; }

# source_up: the source cluster answers on $PORT. A postmaster killed a moment ago (a
# test's SIGKILL, a reboot) still passes `pg_ctl status` until it is reaped, so a
# cluster that reports running but does not answer is waited out and started again.
source_up() {
  if running "$SRC" && wait_for "postgres on $PORT" 10 ready "$PORT"; then return 0; fi
  wait_for "the old postmaster of $SRC to exit" 30 stopped "$SRC" || die "postgres in $SRC does not answer and does not exit"
  start_cluster "$SRC"
  wait_for "postgres on $PORT" 60 ready "$PORT" || die "postgres is not ready"
}

up() {
  install_packages
  pg_own "$DIR" "$RUN" "$DIR/log" "$DIR/lock" "$DIR/spool" "$DIR/repo" "$DIR/pg"
  chmod 750 "$DIR/repo"
  exec 9>"$DIR/up.lock"
  flock -w 300 9 || die "another up holds $DIR/up.lock"
  reserve_ports "$PORT" "$DRILL_PORT"
  write_conf
  init_source
  source_up
  [ "$(src_psql -d postgres -c "select 1 from pg_database where datname = 'scenic'")" = 1 ] \
    || src_psql -d postgres -c "create database scenic"
  if [ ! -f "$DIR/stanza.ok" ]; then
    pgbr stanza-create >/dev/null || die "pgbackrest stanza-create failed (see $DIR/log)"
    # check: archive_command works end to end (forces a WAL switch and waits for it).
    pgbr check >/dev/null || die "pgbackrest check failed: WAL archiving does not work (see $DIR/log)"
    touch "$DIR/stanza.ok"
  fi
  env_set PG_BACKUP_URL "postgres://scenic@127.0.0.1:$PORT/scenic"
  log "postgres with pgBackRest archiving up on 127.0.0.1:$PORT (repository $DIR/repo)"
}

backup() {
  local type=$1 t0 label
  t0=$(now_s)
  pgbr --type="$type" backup || die "pgbackrest $type backup failed (see $DIR/log)"
  label=$(pgbr info --output=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["backup"][-1]["label"])')
  printf '{"type":"%s","label":"%s","seconds":%s}\n' "$type" "$label" "$(elapsed "$t0")"
}

walfile_of_now() { src_psql -d postgres -c "select pg_walfile_name(pg_current_wal_lsn())"; }
# archived_past WAL: the archiver has reached WAL (names order by timeline, then position).
archived_past() {
  [ "$(src_psql -d postgres -c "select coalesce(last_archived_wal, '') collate \"C\" >= '$1' from pg_stat_archiver")" = t ]
}

archive() {
  local wal
  wal=$(src_psql -d postgres -c "select pg_walfile_name(pg_switch_wal())")
  wait_for "WAL $wal to be archived" 60 archived_past "$wal" || die "WAL $wal was not archived (see $DIR/log)"
  log "WAL up to $wal is in the repository"
}

rpo() {
  src_psql -d postgres -c "create table if not exists scenic_rpo_probe (at timestamptz not null default now())"
  local wal t0
  # Let the previous segment go first, so the measurement starts in a fresh one.
  archive
  src_psql -d postgres -c "insert into scenic_rpo_probe default values"
  t0=$(now_s)
  wal=$(walfile_of_now)
  wait_for "WAL $wal to be archived" $((ARCHIVE_TIMEOUT * 4 + 30)) archived_past "$wal" || die "not archived"
  printf '{"archiveTimeout":%s,"secondsToArchive":%s,"wal":"%s"}\n' "$ARCHIVE_TIMEOUT" "$(elapsed "$t0")" "$wal"
}

drill_down() {
  if [ -s "$DRILL/PG_VERSION" ] && running "$DRILL"; then
    as_pg "$(pg_bin)/pg_ctl" -D "$DRILL" -m immediate stop >/dev/null
  fi
}

drill() {
  local target=""
  while [ $# -gt 0 ]; do
    case $1 in
      --target) target=$2; shift 2 ;;
      *) die "usage: $0 drill --target TIMESTAMP" ;;
    esac
  done
  [ -n "$target" ] || die "usage: $0 drill --target TIMESTAMP"
  [ -f "$CONF" ] || die "no repository configured: run \`bash $0 up\` and take a backup first"
  drill_down
  rm -rf "$DIR/drill"
  pg_own "$DIR/drill" "$DRILL"
  chmod 700 "$DRILL"
  local t0 t1 set
  t0=$(now_s)
  # pgBackRest picks the newest backup set that ended before the target, writes
  # restore_command (archive-get) and the recovery target into postgresql.auto.conf.
  pgbr --pg1-path="$DRILL" --type=time --target="$target" --target-action=promote \
    --archive-mode=off --log-level-console=info restore >"$DIR/drill/restore.log" 2>&1 \
    || { tail -n 20 "$DIR/drill/restore.log" >&2; die "pgbackrest restore failed"; }
  set=$(grep -o 'restore backup set [^ ,]*' "$DIR/drill/restore.log" | head -1 | awk '{ print $4 }')
  local restore_secs; restore_secs=$(elapsed "$t0")
  t1=$(now_s)
  start_cluster "$DRILL" "-c port=$DRILL_PORT -c archive_mode=off"
  wait_for "the restored cluster to promote" 300 bash -c \
    "[ \"\$(psql -X -qAt -h 127.0.0.1 -p $DRILL_PORT -U scenic -d postgres -c 'select pg_is_in_recovery()')\" = f ]" \
    || { tail -n 20 "$DIR/drill/server.log" >&2; die "the restored cluster did not finish recovery"; }
  local recovery_secs total stop wal_count first_wal last_wal
  recovery_secs=$(elapsed "$t1")
  total=$(elapsed "$t0")
  stop=$(grep -o 'recovery stopping [^"]*' "$DIR/drill/server.log" | head -1 | sed 's/"/\\"/g')
  local wals; wals=$(grep -o 'restored log file "[0-9A-F]*"' "$DIR/drill/server.log" | cut -d'"' -f2 | sort -u)
  wal_count=$(grep -c . <<<"$wals" || true)
  first_wal=$(head -1 <<<"$wals")
  last_wal=$(tail -n 1 <<<"$wals")
  env_set PG_DRILL_URL "postgres://scenic@127.0.0.1:$DRILL_PORT/scenic"
  log "restored $set to $target on 127.0.0.1:$DRILL_PORT: ${wal_count} WAL files replayed, ${total}s in all"
  printf '{"target":"%s","backupSet":"%s","stop":"%s","walFilesReplayed":%s,"firstWal":"%s","lastWal":"%s","restoreSeconds":%s,"recoverySeconds":%s,"rtoSeconds":%s,"port":%s}\n' \
    "$target" "$set" "$stop" "$wal_count" "$first_wal" "$last_wal" "$restore_secs" "$recovery_secs" "$total" "$DRILL_PORT"
}

down() {
  drill_down
  if [ -s "$SRC/PG_VERSION" ] && running "$SRC"; then as_pg "$(pg_bin)/pg_ctl" -D "$SRC" -m fast stop >/dev/null; fi
  log "backup source and drill clusters stopped"
}

case "${1:-up}" in
  install) install_packages ;;
  up) up ;;
  down) down ;;
  purge) down; rm -rf "$DIR"; log "state removed" ;;
  env) grep -E '^export PG_(BACKUP|DRILL)_URL=' "$ENV_FILE" 2>/dev/null || true ;;
  status) "$(pg_bin)/pg_isready" -h 127.0.0.1 -p "$PORT" || true; pgbr info 2>/dev/null || true ;;
  full | incr) backup "$1" ;;
  info) pgbr info ;;
  archive) archive ;;
  rpo) rpo ;;
  drill) shift; drill "$@" ;;
  drill-down) drill_down ;;
  *) die "usage: $0 install|up|down|purge|env|status|full|incr|info|archive|rpo|drill --target TS|drill-down" ;;
esac
