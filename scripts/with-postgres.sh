#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: initdb in a temporary
# directory, a free loopback port, run as the unprivileged postgres user
# (PostgreSQL refuses to run as root), stopped and removed afterwards.
# The server's URL is exported as EMAR_TEST_PG_DSN.
#   scripts/with-postgres.sh go test ./...
set -euo pipefail

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ]; then
    echo "with-postgres: installing PostgreSQL with apt" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/emar-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"

port=""
for p in $(shuf -i 20000-60000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "with-postgres: no free port" >&2; exit 1; }

stop() {
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

as_pg "$pgbin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 ${EMAR_PG_OPTS:-}" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }

export EMAR_TEST_PG_DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
export EMAR_TEST_PG_BIN="$pgbin" EMAR_TEST_PG_DATA="$dir/data" EMAR_TEST_PG_PORT="$port" EMAR_TEST_PG_SOCKET="$dir"
echo "with-postgres: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
