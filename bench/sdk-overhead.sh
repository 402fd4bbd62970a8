#!/usr/bin/env bash
# Measures LelantosClient.getTemplateBuildStatus against a raw fetch of the same URL in headless
# Chromium (ratio; target <= 1.10). Builds the npm package and the release server first.
# Usage: bench/sdk-overhead.sh [calls per side, default 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_rust
ensure_chromium
scripts/build-sdk >/dev/null
ensure_js_tools
cargo build --release --quiet -p lelantos-server
export LELANTOS_SERVER_BIN="$CARGO_TARGET_DIR/release/lelantos-server"
TEST_KEY="lel_bench$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
trap stop_servers EXIT
start_server API
T=$(curl -sf -X POST "$API_URL/templates" -H "X-API-Key: $TEST_KEY" -H 'Content-Type: application/json' \
  -d '{"dockerfile":"FROM python:3.12-slim\nRUN pip install numpy\n"}')
TID=$(echo "$T" | sed -E 's/.*"templateID":"([^"]+)".*/\1/')
BID=$(echo "$T" | sed -E 's/.*"buildID":"([^"]+)".*/\1/')
sleep 0.5
node bench/sdk-overhead.mjs "$API_URL" "$TEST_KEY" "$TID" "$BID" "${1:-2000}"
