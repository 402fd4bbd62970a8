#!/usr/bin/env bash
# Benchmarks the local API on loopback with wrk (Debian package):
#   1. GET /templates/{id}/builds/{buildId} with 64 connections: throughput and p99;
#   2. POST /templates (dry-run builder) with 64 connections: throughput;
#   3. idle RSS of the server after start-up and after the load.
# Usage: bench/api.sh [seconds per run, default 10]. Results also go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_rust
ensure_apt wrk wrk

DURATION="${1:-10}"
KEY="lel_bench$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PORT="${PORT:-39$(( RANDOM % 90 + 10 ))0}"
BASE="http://127.0.0.1:$PORT"
DATA="$(mktemp -d)"
OUT="bench/results/api-$(date -u +%Y%m%dT%H%M%SZ).txt"
mkdir -p bench/results

log "building lelantos-server (release)"
cargo build --release --quiet -p lelantos-server
BIN="$CARGO_TARGET_DIR/release/lelantos-server"

LELANTOS_LOG=warn "$BIN" --listen "127.0.0.1:$PORT" --data-dir "$DATA" --builder dry-run --api-key "$KEY" >/dev/null &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done

rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$PID/status"; }
sleep 1
RSS_START=$(rss)

T=$(curl -sf -X POST "$BASE/templates" -H "X-API-Key: $KEY" -H 'Content-Type: application/json' \
  -d '{"dockerfile":"FROM python:3.12-slim\nRUN pip install numpy pandas scikit-learn matplotlib\n","alias":"bench","cpuCount":2,"memoryMB":512}')
TID=$(echo "$T" | sed -E 's/.*"templateID":"([^"]+)".*/\1/')
BID=$(echo "$T" | sed -E 's/.*"buildID":"([^"]+)".*/\1/')
for _ in $(seq 100); do
  curl -sf "$BASE/templates/$TID/builds/$BID" -H "X-API-Key: $KEY" | grep -q '"status":"ready"' && break; sleep 0.05
done
STATUS_BYTES=$(curl -sf "$BASE/templates/$TID/builds/$BID" -H "X-API-Key: $KEY" | wc -c)

LUA="$(mktemp --suffix .lua)"
cat > "$LUA" <<LUA
wrk.method = "POST"
wrk.headers["X-API-Key"] = "$KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"dockerfile":"FROM python:3.12-slim\\\\nRUN pip install numpy\\\\n","cpuCount":2,"memoryMB":512}'
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("non-2xx responses: %d\n", non2xx))
end
LUA
HDR="$(mktemp --suffix .lua)"
cat > "$HDR" <<LUA
wrk.headers["X-API-Key"] = "$KEY"
done = function(summary, latency, requests)
  io.write(string.format("non-2xx responses: %d\n", summary.errors.status))
end
LUA

{
  echo "# lelantos-server API benchmark, $(date -u +%FT%TZ), $(nproc) cores, wrk -t2 -c64 -d${DURATION}s"
  echo "## GET /templates/{id}/builds/{buildId} (response $STATUS_BYTES bytes)"
  wrk -t2 -c64 -d"${DURATION}s" --latency -s "$HDR" "$BASE/templates/$TID/builds/$BID"
  echo
  echo "## POST /templates (dry-run builder; each create also runs its build)"
  wrk -t2 -c64 -d"${DURATION}s" --latency -s "$LUA" "$BASE/templates"
} | tee "$OUT.raw"
rm -f "$LUA" "$HDR"
sleep 2
RSS_END=$(rss)
TEMPLATES=$(sqlite3 "$DATA/lelantos.db" 'select count(*) from templates' 2>/dev/null || echo '?')

reads=$(awk '/^## GET/{f=1} f && /Requests\/sec/{print $2; exit}' "$OUT.raw")
p99=$(awk '/^## GET/{f=1} f && /^ +99%/{print $2; exit}' "$OUT.raw")
creates=$(awk '/^## POST/{f=1} f && /Requests\/sec/{print $2; exit}' "$OUT.raw")
cp99=$(awk '/^## POST/{f=1} f && /^ +99%/{print $2; exit}' "$OUT.raw")
{
  cat "$OUT.raw"
  echo
  echo "## summary"
  echo "status reads/s: $reads   p99: $p99   (target >= 10000/s, p99 < 10ms)"
  echo "creates/s:      $creates   p99: $cp99   (target >= 1000/s)"
  echo "idle RSS after start: $RSS_START; after the runs ($TEMPLATES templates stored): $RSS_END   (target < 30 MB idle)"
} > "$OUT"
rm -f "$OUT.raw"
tail -4 "$OUT"
echo "(full output: $OUT)"
