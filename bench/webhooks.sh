#!/usr/bin/env bash
# Webhook delivery throughput and durability: serves a copy of a demo database, runs the intake
# load with N subscriptions of the district centre (the load client's receiver verifies every
# signature), kills the server with SIGKILL in the middle of the load, starts it again, and
# prints what arrived: delivery rate, duplicates (at-least-once after the kill) and losses.
#
#   cargo build --release -p zhili
#   ./target/release/zhili demo --db /tmp/bench.db --no-serve --password demo-password-2026
#   bench/webhooks.sh /tmp/bench.db            # SUBS=10 RATE=300 DURATION=30 KILL_AT=12
#
# The server may use both cores; the load client and its receiver are pinned to core 1.
set -euo pipefail
# Load from a few accounts, far past a person's rate: the limits are off for the runs.
export ZHILI_RATE_LIMITS=off
SRC=${1:?usage: bench/webhooks.sh DEMO.db}
ZHILI=${ZHILI:-target/release/zhili}
SUBS=${SUBS:-10}; RATE=${RATE:-300}; DURATION=${DURATION:-30}; KILL_AT=${KILL_AT:-12}
PORT=${PORT:-18190}
PASSWORD=${ZHILI_DEMO_PASSWORD:-demo-password-2026}
WORK=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
cp "$SRC" "$WORK/bench.db"
cp "$SRC.key" "$WORK/bench.db.key"
serve() {
  ZHILI_WEBHOOK_ALLOW=127.0.0.0/8 "$ZHILI" serve --db "$WORK/bench.db" \
    --bind "127.0.0.1:$PORT" >>"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "the server did not start; its log:" >&2; cat "$WORK/serve.log" >&2; exit 1
}
serve
taskset -c 1 "$ZHILI" sim --target "http://127.0.0.1:$PORT" --password "$PASSWORD" \
  --rate "$RATE" --duration "$DURATION" --concurrency 16 --handling-share 0 \
  --webhooks "$SUBS" --drain 120 >"$WORK/sim.out" 2>&1 &
SIM=$!
sleep "$KILL_AT"
kill -9 "$SERVER"
wait "$SERVER" 2>/dev/null || true
echo "killed the server (SIGKILL) ${KILL_AT} s into the run; starting it again"
sleep 1
serve
status=0
wait "$SIM" || status=$?
cat "$WORK/sim.out"
kill "$SERVER" 2>/dev/null || true
exit "$status"
