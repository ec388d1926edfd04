#!/usr/bin/env bash
# A throwaway streaming replica of the local PostgreSQL server, for the
# database router's tests (tests/core/test_replica.py) and CI.
#
#   scripts/pg_replica.sh start    copy the primary (pg_basebackup) and start
#                                  the copy as a hot standby on port 5433
#   scripts/pg_replica.sh stop     stop it and delete the copy
#   scripts/pg_replica.sh status   is it running, streaming, how far behind
#
# Every command is idempotent. The replica uses no replication slot (a slot
# of a stopped replica would keep WAL on the primary for ever), so a stopped
# copy may be unable to catch up: `stop` deletes it and `start` makes a fresh
# one. Then point Vigil at it:
#   DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<database>
#
# Settings (environment): PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432),
# PGUSER (postgres), VIGIL_REPLICA_PORT (5433), VIGIL_REPLICA_DIR
# (/tmp/vigil-replica), PG_BIN (the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PGUSER=${PGUSER:-postgres}
REPLICA_PORT=${VIGIL_REPLICA_PORT:-5433}
REPLICA_DIR=${VIGIL_REPLICA_DIR:-/tmp/vigil-replica}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
LOG="$REPLICA_DIR.log"
export PGCONNECT_TIMEOUT=5

if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
  echo "pg_replica: no PostgreSQL server binaries (set PG_BIN)" >&2
  exit 1
fi

# The server refuses to run as root: run its programs as the `postgres` user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

primary_sql() {
  psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PGUSER" -d postgres -X -At -v ON_ERROR_STOP=1 -c "$1"
}

replica_sql() {
  psql -h 127.0.0.1 -p "$REPLICA_PORT" -U "$PGUSER" -d postgres -X -At -v ON_ERROR_STOP=1 -c "$1"
}

running() {
  [ -f "$REPLICA_DIR/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1
}

# pg_hba.conf's "all" does not match replication connections: allow them from
# this machine (trust, like the rest of the local server), then reload.
allow_replication() {
  local hba
  hba=$(primary_sql "SHOW hba_file")
  if [ ! -w "$hba" ]; then
    echo "pg_replica: cannot edit $hba; it must allow 'replication' connections from 127.0.0.1" >&2
    return 0
  fi
  local changed=0
  if ! grep -Eq '^[[:space:]]*local[[:space:]]+replication[[:space:]]+all[[:space:]]' "$hba"; then
    printf '\n# Added by Vigil scripts/pg_replica.sh (local streaming replica)\nlocal replication all trust\n' >>"$hba"
    changed=1
  fi
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]' "$hba"; then
    printf '\n# Added by Vigil scripts/pg_replica.sh (local streaming replica)\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
    changed=1
  fi
  if [ "$changed" = 1 ]; then
    primary_sql "SELECT pg_reload_conf()" >/dev/null
    echo "pg_replica: allowed replication connections in $hba"
  fi
}

# A hot standby needs these at least as large as on its primary.
primary_setting() {
  primary_sql "SELECT setting FROM pg_settings WHERE name = '$1'"
}

write_config() {
  # The Debian layout keeps postgresql.conf and pg_hba.conf outside the data
  # directory: the copy gets its own, small ones.
  cat >"$REPLICA_DIR/postgresql.conf" <<EOF
# Vigil's throwaway test replica (scripts/pg_replica.sh)
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
# Long reads (exports) are not cancelled by the replay of vacuum cleanups.
hot_standby_feedback = on
max_connections = $(primary_setting max_connections)
max_worker_processes = $(primary_setting max_worker_processes)
max_wal_senders = $(primary_setting max_wal_senders)
max_prepared_transactions = $(primary_setting max_prepared_transactions)
max_locks_per_transaction = $(primary_setting max_locks_per_transaction)
shared_buffers = 128MB
# A test copy, deleted on stop: no need to survive a crash of the machine.
fsync = off
full_page_writes = off
log_line_prefix = '%m [%p] replica %q%u@%d '
timezone = 'Etc/UTC'
EOF
  cat >"$REPLICA_DIR/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
local replication all trust
host replication all 127.0.0.1/32 trust
EOF
  : >"$REPLICA_DIR/pg_ident.conf"
}

wait_streaming() {
  for _ in $(seq 1 60); do
    if [ "$(replica_sql "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'" 2>/dev/null)" = 1 ]; then
      return 0
    fi
    sleep 1
  done
  echo "pg_replica: the replica is up but not streaming; see $LOG" >&2
  return 1
}

start() {
  if running; then
    echo "pg_replica: already running on port $REPLICA_PORT"
    wait_streaming
    return 0
  fi
  if ! pg_isready -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -q; then
    echo "pg_replica: the primary $PRIMARY_HOST:$PRIMARY_PORT is not ready" >&2
    exit 1
  fi
  allow_replication
  # A copy left by a stopped replica may lack WAL the primary has recycled.
  rm -rf "$REPLICA_DIR"
  install -d -o postgres -g postgres -m 0700 "$REPLICA_DIR"
  echo "pg_replica: copying $PRIMARY_HOST:$PRIMARY_PORT into $REPLICA_DIR"
  as_postgres "$PG_BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PGUSER" \
    -D "$REPLICA_DIR" -R -X stream --checkpoint=fast
  write_config
  chown -R postgres:postgres "$REPLICA_DIR"
  chmod 0700 "$REPLICA_DIR"
  install -o postgres -g postgres -m 0644 /dev/null "$LOG"
  as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -l "$LOG" -w -t 120 \
    -o "-p $REPLICA_PORT -k /tmp" start >/dev/null
  for _ in $(seq 1 60); do
    pg_isready -h 127.0.0.1 -p "$REPLICA_PORT" -q && break
    sleep 1
  done
  pg_isready -h 127.0.0.1 -p "$REPLICA_PORT" -q
  wait_streaming
  echo "pg_replica: streaming replica ready on 127.0.0.1:$REPLICA_PORT"
}

stop() {
  if running; then
    as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null
    echo "pg_replica: stopped"
  fi
  rm -rf "$REPLICA_DIR"
}

status() {
  if ! running; then
    echo "pg_replica: not running"
    return 3
  fi
  replica_sql "SELECT 'in recovery: ' || pg_is_in_recovery()
    || ', receiver: ' || coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')
    || ', replay lag: ' || coalesce(CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
         THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::text, 'unknown')
    || ' s'"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
