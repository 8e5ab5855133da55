#!/usr/bin/env bash
# Issue 20's PostgreSQL figures, beside the SQLite ones of bench/run.sh: the demo city built on a
# fresh PostgreSQL database (its events and record partitioned by month), then intake on one
# server, intake with a quarter handled, and the same load shared by two servers of the one
# database with each server's live stream watched (every acknowledged report must reach both).
# With a replica URL, the replica's replay lag under that load is sampled too.
#
#   bench/pg.sh postgres://postgres:PASSWORD@127.0.0.1:5432/postgres [REPLICA_ADMIN_URL]
#
# Needs the release binary (cargo build --release -p zhili). QUICK=1 gives short runs.
# Prints lines "name | measured" for bench/run.sh's table.
set -euo pipefail
# Load from a few accounts, far past a person's rate: the limits are off for the runs.
export ZHILI_RATE_LIMITS=off
cd "$(dirname "$0")/.."
admin=${1:?PostgreSQL admin URL}
replica=${2:-}
QUICK=${QUICK:-}
SECS=$([ -n "$QUICK" ] && echo 5 || echo 60)
PASSWORD=demo-password-2026
ZHILI=target/release/zhili
WORK=${BENCH_DIR:-$(mktemp -d)}
P1=${PORT:-18300}
P2=$((P1 + 1))
db=zhili_bench_$$
url=$(echo "$admin" | sed -E "s#/[^/?]*(\?|$)#/$db\1#")
psql_admin() { psql "$admin" -qAt -c "$1"; }
cleanup() {
  pkill -f "zhili serve --database $url" 2>/dev/null || true
  sleep 0.5
  psql_admin "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
}
trap cleanup EXIT
export ZHILI_DATA_KEY=${ZHILI_DATA_KEY:-$(head -c 32 /dev/urandom | base64)}

psql_admin "CREATE DATABASE $db"
started=$(date +%s)
"$ZHILI" demo --database "$url" --fresh --no-serve --password "$PASSWORD" >"$WORK/pg-demo.log" 2>&1
echo "demo city on PostgreSQL | built in $(($(date +%s) - started)) s"

serve() { # port
  "$ZHILI" serve --database "$url" --bind "127.0.0.1:$1" >>"$WORK/pg-serve-$1.log" 2>&1 &
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the server on $1 did not start" >&2; exit 1
}
sim() { taskset -c 1 "$ZHILI" sim --password "$PASSWORD" "$@" 2>&1; }
rate_p99() { grep "^$1" | sed -E 's/.* ([0-9]+)\/s, latency.*p99 ([0-9.]+) ms.*/\1\/s, p99 \2 ms/' | head -1; }

serve "$P1"
"$ZHILI" partitions maintain --database "$url" >/dev/null
out=$(sim --target "http://127.0.0.1:$P1" --rate 20000 --duration "$SECS" --concurrency 64 --handling-share 0)
echo "intake, 1 server, 64 connections | $(echo "$out" | rate_p99 intake)"
out=$(sim --target "http://127.0.0.1:$P1" --rate 20000 --duration "$SECS" --concurrency 64 --handling-share 0.25)
echo "actions mixed with intake (25% handled) | $(echo "$out" | rate_p99 actions); intake $(echo "$out" | rate_p99 intake)"

serve "$P2"
lagfile="$WORK/lag"
: >"$lagfile"
if [ -n "$replica" ]; then
  ( while sleep 0.5; do
      psql "$(echo "$replica" | sed -E "s#/[^/?]*(\?|$)#/$db\1#")" -qAt -c \
        "SELECT COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)" >>"$lagfile" 2>/dev/null || true
    done ) &
  lagger=$!
fi
out=$(sim --target "http://127.0.0.1:$P1,http://127.0.0.1:$P2" --rate 20000 --duration "$SECS" \
  --concurrency 64 --handling-share 0 --watch-streams) || true
[ -n "$replica" ] && kill "$lagger" 2>/dev/null || true
echo "intake, 2 servers, 1 database | $(echo "$out" | rate_p99 intake)"
echo "live streams of the 2 servers | $(echo "$out" | grep '^stream of' | sed -E 's/stream of [^:]+:\s*//' | paste -sd ';')"
if [ -n "$replica" ] && [ -s "$lagfile" ]; then
  echo "replica replay lag under that load | max $(sort -g "$lagfile" | tail -1 | cut -c1-5) s over $(wc -l <"$lagfile") samples"
fi
echo "partitions after the runs | $("$ZHILI" partitions list --database "$url" | awk 'NR>1 {n++} END {print n}') (events and record, by month)"
