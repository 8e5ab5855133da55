#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL cluster, for `zhili serve --read-database` and its
# test: a base backup of the primary (pg_basebackup -R, which writes the standby's connection)
# started on its own port beside it. Prints the replica's URL (the primary's, port changed).
#
#   bench/pg-replica.sh start postgres://postgres:PASSWORD@127.0.0.1:5432/postgres [PORT]
#   bench/pg-replica.sh stop [PORT]
#
# Runs the server tools as the postgres user (root uses su, others sudo). The replica's data lives
# in /tmp/zhili-replica-PORT and is thrown away by `stop`.
set -euo pipefail
# Load from a few accounts, far past a person's rate: the limits are off for the runs.
export ZHILI_RATE_LIMITS=off
action=${1:?start or stop}
if [ "$action" = start ]; then primary=${2:?primary URL}; port=${3:-5433}; else port=${2:-5433}; fi
dir=/tmp/zhili-replica-$port
bin=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -V | tail -n 1)/bin
as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sudo -u postgres sh -c "$*"; fi
}

slot=zhili_replica_$port
# The primary keeps WAL for a replication slot until the replica has it; a slot left behind
# would keep it for ever, so stopping drops it.
drop() {
  [ -d "$dir" ] && as_postgres "$bin/pg_ctl -D $dir -m fast -w stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
  as_postgres "psql -qAt -c \"SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots WHERE slot_name = '$slot'\"" >/dev/null
}
if [ "$action" = stop ]; then drop; exit 0; fi

drop
# The base backup, streamed with the WAL it needs, through a new slot; -R leaves standby.signal,
# primary_conninfo and the slot's name for the replica.
as_postgres "$bin/pg_basebackup -D $dir -R -X stream -C -S $slot -c fast -d '$primary'"
# Debian keeps the cluster's configuration outside its data directory: the replica gets its own.
hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | sort -V | tail -n 1)
as_postgres "cat > $dir/postgresql.conf <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
hba_file = '$hba'
CONF"
as_postgres "$bin/pg_ctl -D $dir -l $dir/server.log -w -t 60 start" >/dev/null
for _ in $(seq 1 60); do
  as_postgres "$bin/pg_isready -q -h 127.0.0.1 -p $port" && break
  sleep 0.5
done
echo "$primary" | sed -E "s#@([^:/]+):[0-9]+/#@\1:$port/#"
