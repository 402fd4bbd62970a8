#!/usr/bin/env bash
# The console's size (wasm + JS + CSS gzip; budget 200 KB) and the time from navigation to the
# form being interactive in headless Chromium (served by the release server on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_rust
ensure_chromium
build_console
scripts/console-size
cargo build --release --quiet -p lelantos-server
export LELANTOS_SERVER_BIN="$CARGO_TARGET_DIR/release/lelantos-server"
TEST_KEY="lel_bench$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
trap stop_servers EXIT
start_server API --console-dir dist/console
node bench/console-tti.mjs "$API_URL/console/#key=$TEST_KEY" "${1:-7}"
