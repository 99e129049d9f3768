#!/usr/bin/env bash
# Runs a command with a throwaway highly available PostgreSQL: one etcd and
# three PostgreSQL nodes managed by Patroni, in a temporary directory, on
# free loopback ports, with synchronous replication; stopped and removed
# afterwards. The packages (patroni, etcd-server, postgresql) are installed
# with apt when missing.
#   scripts/with-patroni.sh go test -run TestHA ./faults/
#
# The command sees:
#   EMAR_PATRONI_DSN   the service's DSN: all three nodes, the session taken
#                      on whichever is the read-write primary
#                      (target_session_attrs=read-write); also exported as
#                      EMAR_TEST_PG_DSN, so any test can run on the cluster
#   EMAR_PATRONI_DIR   the cluster's directory; node i (1..3) has
#                      $EMAR_PATRONI_DIR/node$i/{patroni.yml,patroni.pid,
#                      patroni.log,data,start}: `start` brings a stopped
#                      node back (as a replica if another node leads)
#   EMAR_PATRONI_REST  the nodes' Patroni REST URLs, comma-separated
#   EMAR_PATRONI_PG_PORTS  the nodes' PostgreSQL ports, comma-separated
#   EMAR_TEST_PG_BIN   the PostgreSQL binaries
#
# Durability: synchronous_mode makes Patroni name one replica in
# synchronous_standby_names and promote only that replica (or one as
# current) on failover; synchronous_commit=on makes a commit wait until
# that standby has flushed the WAL to its disk. So a commit the service
# acknowledged is on two nodes' disks and survives the loss of the primary
# (remote_write would lose it if both machines lost power; remote_apply
# only matters for reads from standbys, which the service never does).
# synchronous_mode_strict is off: with two standbys, one can die and the
# other takes the synchronous role; if both die the primary carries on
# alone rather than stop the ward (set EMAR_PATRONI_STRICT=true to prefer
# refusing writes then).
set -euo pipefail

if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ] || ! command -v patroni >/dev/null || ! command -v etcd >/dev/null || ! command -v curl >/dev/null; then
    echo "with-patroni: installing patroni, etcd-server, PostgreSQL and curl with apt" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq patroni etcd-server postgresql curl >/dev/null
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/emar-patroni.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"

# Eight free loopback ports: etcd's client and peer, three PostgreSQL,
# three Patroni REST APIs.
ports=()
for p in $(shuf -i 20000-60000 -n 200); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then ports+=("$p"); fi
    [ "${#ports[@]}" -ge 8 ] && break
done
[ "${#ports[@]}" -ge 8 ] || { echo "with-patroni: no free ports" >&2; exit 1; }
etcd_client=${ports[0]} etcd_peer=${ports[1]}
pg_ports=("${ports[2]}" "${ports[3]}" "${ports[4]}")
rest_ports=("${ports[5]}" "${ports[6]}" "${ports[7]}")

stop() {
    set +e
    for i in 1 2 3; do
        pid=$(cat "$dir/node$i/patroni.pid" 2>/dev/null) && kill -9 "$pid" 2>/dev/null
    done
    for i in 1 2 3; do
        [ -f "$dir/node$i/data/postmaster.pid" ] &&
            as_pg "$pgbin/pg_ctl" -D "$dir/node$i/data" -m immediate stop >/dev/null 2>&1
    done
    pid=$(cat "$dir/etcd.pid" 2>/dev/null) && kill "$pid" 2>/dev/null && sleep 0.2
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

(as_pg sh -c "echo \$\$ > '$dir/etcd.pid'; exec etcd --name etcd1 --data-dir '$dir/etcd' \
    --listen-client-urls http://127.0.0.1:$etcd_client --advertise-client-urls http://127.0.0.1:$etcd_client \
    --listen-peer-urls http://127.0.0.1:$etcd_peer --initial-advertise-peer-urls http://127.0.0.1:$etcd_peer \
    --initial-cluster etcd1=http://127.0.0.1:$etcd_peer --initial-cluster-state new \
    --heartbeat-interval 100 --election-timeout 1000" </dev/null >"$dir/etcd.log" 2>&1 &)

for i in 1 2 3; do
    node="$dir/node$i"
    mkdir -p "$node"
    [ "$(id -u)" = 0 ] && chown postgres "$node"
    cat >"$node/patroni.yml" <<EOF
scope: emar
name: node$i
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:${rest_ports[$((i - 1))]}
  connect_address: 127.0.0.1:${rest_ports[$((i - 1))]}
etcd3:
  hosts: 127.0.0.1:$etcd_client
bootstrap:
  dcs:
    ttl: ${EMAR_PATRONI_TTL:-10}
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: ${EMAR_PATRONI_STRICT:-false}
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        synchronous_commit: "on"
        wal_level: replica
        wal_log_hints: "on"
        hot_standby: "on"
        max_connections: 120
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 128MB
        shared_buffers: 16MB
        max_worker_processes: 4
        max_parallel_workers: 0
  initdb:
    - encoding: UTF8
    - data-checksums
postgresql:
  listen: 127.0.0.1:${pg_ports[$((i - 1))]}
  connect_address: 127.0.0.1:${pg_ports[$((i - 1))]}
  data_dir: $node/data
  bin_dir: $pgbin
  pgpass: $node/pgpass
  authentication:
    superuser: {username: postgres, password: emar}
    replication: {username: replicator, password: emar}
    rewind: {username: rewinder, password: emar}
  parameters:
    unix_socket_directories: $node
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication replicator 127.0.0.1/32 trust
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
EOF
    cat >"$node/start" <<EOF
#!/bin/sh
# Starts node$i's Patroni (and with it its PostgreSQL) in the background.
cd '$node'
if [ "\$(id -u)" = 0 ]; then run="runuser -u postgres --"; else run=""; fi
\$run sh -c "echo \\\$\\\$ > '$node/patroni.pid'; exec patroni '$node/patroni.yml'" </dev/null >>'$node/patroni.log' 2>&1 &
EOF
    chmod 755 "$node/start"
    [ "$(id -u)" = 0 ] && chown -R postgres "$node"
done

rest_urls=""
for i in 1 2 3; do rest_urls="$rest_urls${rest_urls:+,}http://127.0.0.1:${rest_ports[$((i - 1))]}"; done

# etcd first, then the first node alone (it bootstraps the cluster), then
# the others (they clone it with pg_basebackup).
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$etcd_client/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$etcd_client/health" >/dev/null || { cat "$dir/etcd.log" >&2; exit 1; }
"$dir/node1/start"
for _ in $(seq 300); do
    curl -fsS "http://127.0.0.1:${rest_ports[0]}/primary" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "http://127.0.0.1:${rest_ports[0]}/primary" >/dev/null || { cat "$dir/node1/patroni.log" >&2; exit 1; }
"$dir/node2/start"
"$dir/node3/start"

# Wait for a leader, a synchronous standby and the third node streaming.
cluster_ready() {
    curl -fsS "http://127.0.0.1:${rest_ports[0]}/cluster" 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)["members"]
roles = sorted(x["role"] for x in m if x.get("state") in ("running", "streaming"))
sys.exit(0 if roles == ["leader", "replica", "sync_standby"] else 1)'
}
for _ in $(seq 600); do
    cluster_ready && break
    sleep 0.2
done
if ! cluster_ready; then
    curl -sS "http://127.0.0.1:${rest_ports[0]}/cluster" >&2 || true
    tail -n 30 "$dir"/node*/patroni.log >&2
    exit 1
fi

hosts=""
for p in "${pg_ports[@]}"; do hosts="$hosts${hosts:+,}127.0.0.1:$p"; done
export EMAR_PATRONI_DSN="postgres://postgres@$hosts/postgres?sslmode=disable&target_session_attrs=read-write&connect_timeout=2"
export EMAR_TEST_PG_DSN="$EMAR_PATRONI_DSN" EMAR_TEST_PG_BIN="$pgbin"
export EMAR_PATRONI_DIR="$dir" EMAR_PATRONI_REST="$rest_urls"
EMAR_PATRONI_PG_PORTS=$(IFS=,; echo "${pg_ports[*]}")
export EMAR_PATRONI_PG_PORTS
echo "with-patroni: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') x3 under Patroni $(patroni --version | awk '{print $2}') on 127.0.0.1:${pg_ports[*]}; etcd on :$etcd_client" >&2
"$@"
