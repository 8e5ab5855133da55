#!/usr/bin/env bash
# Every benchmark figure of issue 20 that the product can measure today, run reproducibly on this
# machine and printed as one table (figure, goal, measured). Builds the release binary and a demo
# city, then runs each figure in turn with the load client pinned to one core.
#
#   bench/run.sh            # full runs (about 10 minutes on 2 cores)
#   QUICK=1 bench/run.sh    # short runs, to check the runner itself
#
# With PG_URL (a PostgreSQL admin URL) the PostgreSQL figures follow (bench/pg.sh: the demo on
# PostgreSQL, intake on one and on two servers with their live streams checked; with
# PG_REPLICA_URL, a streaming replica's lag under that load — bench/pg-replica.sh makes one).
set -euo pipefail
# Load from a few accounts, far past a person's rate: the limits are off for the runs.
export ZHILI_RATE_LIMITS=off
cd "$(dirname "$0")/.."
QUICK=${QUICK:-}
SECS=$([ -n "$QUICK" ] && echo 5 || echo 60)
POINTS=$([ -n "$QUICK" ] && echo 1000000 || echo 10000000)
PASSWORD=demo-password-2026
WORK=${BENCH_DIR:-$(mktemp -d)}
PORT=${PORT:-18200}
ZHILI=target/release/zhili
ROWS=()
row() { ROWS+=("$(printf '%-52s | %-22s | %s' "$1" "$2" "$3")"); echo "  $1: $3"; }
cleanup() { pkill -f "zhili serve --db $WORK/" 2>/dev/null || true; }
trap cleanup EXIT

cargo build --release -p zhili >/dev/null
echo "building the demo city in $WORK …"
"$ZHILI" demo --db "$WORK/demo.db" --fresh --no-serve --password "$PASSWORD" >/dev/null 2>&1

serve() { # a fresh copy of the demo, served
  cleanup; sleep 0.5
  cp "$WORK/demo.db" "$WORK/run.db"; cp "$WORK/demo.db.key" "$WORK/run.db.key"
  rm -f "$WORK/run.db-wal" "$WORK/run.db-shm"
  ZHILI_WEBHOOK_ALLOW=127.0.0.0/8 "$ZHILI" serve --db "$WORK/run.db" --bind "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not start" >&2; exit 1
}
sim() { taskset -c 1 "$ZHILI" sim --target "http://127.0.0.1:$PORT" --password "$PASSWORD" "$@" 2>&1; }
# "intake (…): N requests, R/s, latency p50 A ms, p95 B ms, p99 C ms, …" → "R/s, p99 C ms"
rate_p99() { grep "^$1" | sed -E 's/.* ([0-9]+)\/s, latency.*p99 ([0-9.]+) ms.*/\1\/s, p99 \2 ms/' | head -1; }

echo "intake, $SECS s, 64 connections …"
serve
out=$(sim --rate 20000 --duration "$SECS" --concurrency 64 --handling-share 0)
row "Intake, durable reports/s (SQLite, FULL sync)" ">= 5,000/s, p99 <= 50 ms" "$(echo "$out" | rate_p99 intake)"

echo "intake with a quarter handled …"
serve
out=$(sim --rate 20000 --duration "$SECS" --concurrency 64 --handling-share 0.25)
row "Actions/s mixed with intake (25% handled)" ">= 1,500/s" "$(echo "$out" | rate_p99 actions)"
row "  … the intake beside them" "" "$(echo "$out" | rate_p99 intake)"

echo "reads …"
serve
out=$(sim --read /api/v1/dashboard/summary --concurrency 4 --duration "$((SECS / 2))")
row "District dashboard, 4 clients (60,000 events)" "p99 <= 5 ms (at 10 M)" "$(echo "$out" | rate_p99 reads)"
# The same beside a busy hour's writes (5 reports and 3 steps a second), each of which makes the
# next summary count afresh.
sim --rate 5 --duration "$((SECS / 2 + 2))" --concurrency 4 --handling-share 0.25 >/dev/null &
writes=$!
out=$(sim --read /api/v1/dashboard/summary --concurrency 4 --duration "$((SECS / 2))")
wait "$writes" || true
row "  … beside 8 writes a second" "" "$(echo "$out" | rate_p99 reads)"
out=$(sim --read "/api/v1/events?page_size=20" --as district --concurrency 4 --duration "$((SECS / 2))")
row "Inbox page, 4 clients" "p99 <= 10 ms (at 10 M)" "$(echo "$out" | rate_p99 reads)"
out=$(sim --read "/api/v1/events/30000" --as district --concurrency 4 --duration "$((SECS / 2))")
row "An event page (its record and steps), 4 clients" "p99 <= 10 ms (at 10 M)" "$(echo "$out" | rate_p99 reads)"
out=$(sim --read /api/v1/map/events --as district --concurrency 4 --duration "$((SECS / 2))")
row "Map's open events, 4 clients" "p99 <= 30 ms (at 10 M)" "$(echo "$out" | rate_p99 reads)"
rss=$(ps -o rss= -p "$(pgrep -f "zhili serve --db $WORK/run.db" | head -1)" | tr -d ' ')
row "Server's resident memory after the reads" "<= 500 MB" "$((rss / 1024)) MB"

echo "webhooks …"
serve
out=$(sim --rate 300 --duration "$((SECS / 2))" --concurrency 16 --handling-share 0 --webhooks 24 --drain 60)
row "Signed webhook deliveries/s (24 subscriptions)" ">= 2,000/s, none lost" \
  "$(echo "$out" | sed -nE 's/^delivery: ([0-9]+)\/s.*/\1\/s/p'), $(echo "$out" | sed -nE 's/.*\(([0-9]+) lost.*/\1 lost/p')"
cleanup

echo "audit verify …"
out=$("$ZHILI" audit verify --full --db "$WORK/run.db")
row "audit verify --full, records/s" ">= 200,000/s" "$(echo "$out" | sed -nE 's/.*\(([0-9]+) records\/s\).*/\1\/s/p')"

echo "batch locate, $POINTS points …"
awk -v n="$POINTS" 'BEGIN { srand(42); print "id,lon,lat";
  for (i = 1; i <= n; i++) printf "%d,%.6f,%.6f\n", i, 108.487 + rand() * 0.468, 29.072 + rand() * 0.796 }' > "$WORK/points.csv"
"$ZHILI" locate "$WORK/points.csv" --db "$WORK/demo.db" --out "$WORK/located.csv" 2>"$WORK/locate.log"
row "zhili locate, rows/s read, located and written" ">= 3,000,000/s" \
  "$(sed -nE 's/.*\(([0-9.]+) M rows\/s.*/\1 M\/s/p' "$WORK/locate.log")"

row "Ten million events: demo build, reads, RSS" "<= 15 min, see above, <= 500 MB" "not run here (zhili demo --events 10000000)"
if [ -n "${PG_URL:-}" ]; then
  echo "PostgreSQL …"
  cleanup
  while IFS='|' read -r name measured; do
    row "PostgreSQL: ${name% }" "" "${measured# }"
  done < <(PORT=$((PORT + 100)) bench/pg.sh "$PG_URL" "${PG_REPLICA_URL:-}")
else
  row "PostgreSQL figures" "beside SQLite" "not run (set PG_URL, and PG_REPLICA_URL for the lag)"
fi

echo
printf '%-52s | %-22s | %s\n' "Figure" "Goal" "Measured"
printf '%s\n' "$(printf -- '-%.0s' $(seq 100))"
printf '%s\n' "${ROWS[@]}"
