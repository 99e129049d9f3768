#!/usr/bin/env bash
# The restore drill of docs/deployment.md, with the standard PostgreSQL
# tools only: a server archiving its WAL (archive_command), a base backup
# (pg_basebackup), work before and after a chosen moment, a disaster (the
# eMAR database dropped), and a point-in-time recovery to the moment
# (restore_command + recovery_target_time) on a fresh data directory.
# It then checks what came back: the work before the moment, nothing
# after it, and an intact audit chain (emar audit verify). Everything runs
# on loopback in a temporary directory, removed afterwards.
#   scripts/restore-drill.sh        (make restore-drill)
set -euo pipefail
cd "$(dirname "$0")/.."

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ]; then
    echo "restore-drill: installing PostgreSQL with apt" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
free_port() {
    for p in $(shuf -i 20000-60000 -n 50); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    echo "restore-drill: no free port" >&2
    exit 1
}

dir=$(mktemp -d /tmp/emar-restore.XXXXXX)
chmod 755 "$dir"
mkdir -p "$dir/wal"
[ "$(id -u)" = 0 ] && chown postgres "$dir" "$dir/wal"
stop() {
    for d in primary restored; do
        [ -f "$dir/$d/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$dir/$d" -m immediate stop >/dev/null 2>&1 || true
    done
    rm -rf "$dir"
}
trap stop EXIT
step() { echo "restore-drill: $*" >&2; }

go build -o "$dir/emar" ./cmd/emar
port=$(free_port)
psql_at() { psql -X -v ON_ERROR_STOP=1 -Atq "postgres://postgres@127.0.0.1:$1/$2?sslmode=disable" -c "$3"; }

step "a server that archives its WAL ($dir/wal)"
as_pg "$pgbin/initdb" -D "$dir/primary" -A trust -U postgres -E UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w -t 60 -o "-k $dir -p $port -c listen_addresses=127.0.0.1 \
    -c shared_buffers=16MB -c wal_level=replica -c archive_mode=on \
    -c archive_command='test ! -f $dir/wal/%f && cp %p $dir/wal/%f'" start >/dev/null
dsn="postgres://postgres@127.0.0.1:$port/emar?sslmode=disable"
psql_at "$port" postgres "CREATE DATABASE emar"
"$dir/emar" migrate --db "$dsn" >/dev/null
"$dir/emar" demo --db "$dsn" >/dev/null

step "base backup (pg_basebackup)"
as_pg "$pgbin/pg_basebackup" -d "postgres://postgres@127.0.0.1:$port/postgres" -D "$dir/base" -X stream -c fast

step "work after the backup, before the moment: accounts drill-before-1..5"
for i in 1 2 3 4 5; do
    echo "drill-password-1234" | "$dir/emar" users add --db "$dsn" --username "drill-before-$i" --role nurse --units MAPLE >/dev/null
done
sleep 1
target=$(psql_at "$port" postgres "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
events_before=$(psql_at "$port" emar "SELECT count(*) FROM audit_events")
residents_before=$(psql_at "$port" emar "SELECT count(*) FROM residents")
sleep 1
step "the moment to restore to: $target ($events_before audit events)"
step "work after the moment: account drill-after; then the disaster: DROP DATABASE emar"
echo "drill-password-1234" | "$dir/emar" users add --db "$dsn" --username drill-after --role nurse --units MAPLE >/dev/null
psql_at "$port" postgres "DROP DATABASE emar WITH (FORCE)"
# The segment holding the drop must be in the archive before the server goes.
last=$(psql_at "$port" postgres "SELECT pg_walfile_name(pg_switch_wal())")
for _ in $(seq 300); do
    [ -f "$dir/wal/$last" ] && break
    sleep 0.1
done
[ -f "$dir/wal/$last" ] || { echo "restore-drill: $last was never archived" >&2; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$dir/primary" -m fast -w stop >/dev/null

step "point-in-time recovery: the base backup, restore_command from the archive, recovery_target_time"
t0=$(date +%s%N)
cp -a "$dir/base" "$dir/restored"
chmod 700 "$dir/restored"
cat >>"$dir/restored/postgresql.auto.conf" <<EOF
restore_command = 'cp $dir/wal/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
EOF
touch "$dir/restored/recovery.signal"
[ "$(id -u)" = 0 ] && chown -R postgres "$dir/restored"
port2=$(free_port)
as_pg "$pgbin/pg_ctl" -D "$dir/restored" -l "$dir/restored.log" -w -t 120 -o "-k $dir -p $port2 -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c archive_mode=off" start >/dev/null
for _ in $(seq 600); do
    [ "$(psql_at "$port2" postgres "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && break
    sleep 0.1
done
took_ms=$((($(date +%s%N) - t0) / 1000000))
took="$((took_ms / 1000)).$(printf %03d $((took_ms % 1000)))"
dsn2="postgres://postgres@127.0.0.1:$port2/emar?sslmode=disable"

fail=0
before=$(psql_at "$port2" emar "SELECT count(*) FROM users WHERE username LIKE 'drill-before-%'")
after=$(psql_at "$port2" emar "SELECT count(*) FROM users WHERE username = 'drill-after'")
events=$(psql_at "$port2" emar "SELECT count(*) FROM audit_events")
residents=$(psql_at "$port2" emar "SELECT count(*) FROM residents")
[ "$residents" -gt 0 ] && [ "$residents" = "$residents_before" ] || { echo "restore-drill: FAIL: $residents residents restored, $residents_before at the moment" >&2; fail=1; }
[ "$before" = 5 ] || { echo "restore-drill: FAIL: $before of the 5 drill-before accounts came back" >&2; fail=1; }
[ "$after" = 0 ] || { echo "restore-drill: FAIL: drill-after, made after the moment, came back" >&2; fail=1; }
[ "$events" = "$events_before" ] || { echo "restore-drill: FAIL: $events audit events restored, $events_before at the moment" >&2; fail=1; }
# The checkpoints outside the database would name a longer trail than the
# restored one: that is the point of a restore, so the chain itself is
# verified here and the restore recorded in the incident log.
if ! out=$("$dir/emar" audit verify --db "$dsn2" --audit-checkpoints off 2>&1); then
    echo "restore-drill: FAIL: emar audit verify: $out" >&2
    fail=1
fi
grep -E "redo done|recovery stopping|archive recovery complete" "$dir/restored.log" | sed 's/^/restore-drill:   /' >&2 || true
[ "$fail" = 0 ] || { tail -n 30 "$dir/restored.log" >&2; exit 1; }
step "PASS: restored to $target in ${took}s: drill-before-1..5 back, drill-after not, $residents residents and $events audit events as at the moment; $out"
