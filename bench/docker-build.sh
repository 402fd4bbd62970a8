#!/usr/bin/env bash
# The same Dockerfile built through the Lelantos server (docker builder: BuildKit via the
# Engine API) and directly with `DOCKER_BUILDKIT=1 docker build`, on the same engine and the
# same cache state (BuildKit's cache pruned and the image removed before every build), in
# alternating order. Prints each time, the medians, and the ratio server / direct (target ≤ 1.15).
# The server's time runs from POST /templates to the first poll (every 20 ms) that sees `ready`.
# Usage: bench/docker-build.sh [rounds, default 7]. Results also go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_rust
ensure_docker
ensure_base_image

ROUNDS="${1:-7}"
KEY="lel_bench$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PORT="${PORT:-38$(( RANDOM % 90 + 10 ))0}"
BASE="http://127.0.0.1:$PORT"
DATA="$(mktemp -d)"
CTX="$(mktemp -d)"
OUT="bench/results/docker-build-$(date -u +%Y%m%dT%H%M%SZ).txt"
mkdir -p bench/results
# Debian's 20.10 client runs BuildKit itself; newer clients need buildx for that.
DOCKER_CLI=docker
[ -x /usr/bin/docker ] && DOCKER_CLI=/usr/bin/docker

cat > "$CTX/Dockerfile" <<'EOF'
FROM local/busybox:latest
RUN dd if=/dev/urandom of=/blob bs=1M count=48 2>/dev/null && sha256sum /blob > /blob.sha256
RUN mkdir -p /data && i=0 && while [ $i -lt 3000 ]; do echo $i > /data/f$i; i=$((i+1)); done
RUN tar -cf /data.tar /data && rm -rf /data
WORKDIR /app
ENV MODE=bench
RUN echo built > /app/marker
EOF

log "building lelantos-server (release)"
cargo build --release --quiet -p lelantos-server
LELANTOS_LOG=warn "$CARGO_TARGET_DIR/release/lelantos-server" --listen "127.0.0.1:$PORT" \
  --data-dir "$DATA" --builder docker --network none --api-key "$KEY" >/dev/null &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA" "$CTX"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done
curl -sf "$BASE/health" | grep -q '"builder":"docker"' || { echo "the server is not using the docker builder" >&2; exit 1; }

fresh() { # same cache state before every build: no BuildKit cache, no bench images
  docker builder prune -af >/dev/null 2>&1 || true
  docker image rm -f lelantos-bench-direct >/dev/null 2>&1 || true
  docker images --format '{{.Repository}}:{{.Tag}}' | grep '^lelantos/' | xargs -r docker image rm -f >/dev/null 2>&1 || true
}

direct() {
  local t0 t1
  t0=$(date +%s%N)
  DOCKER_BUILDKIT=1 "$DOCKER_CLI" build --network none --progress plain -t lelantos-bench-direct "$CTX" >/dev/null 2>&1
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}

server() {
  python3 - "$BASE" "$KEY" "$CTX/Dockerfile" <<'PY'
import json, sys, time, urllib.request
base, key, path = sys.argv[1], sys.argv[2], sys.argv[3]
body = json.dumps({"dockerfile": open(path).read()}).encode()
def call(method, url, data=None):
    req = urllib.request.Request(base + url, data=data, method=method,
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
t0 = time.monotonic()
t = call("POST", "/templates", body)
url = f"/templates/{t['templateID']}/builds/{t['buildID']}"
while True:
    b = call("GET", url + "?logsOffset=100000")
    if b["status"] != "building":
        break
    time.sleep(0.02)
ms = (time.monotonic() - t0) * 1000
if b["status"] != "ready":
    sys.exit("server build failed: " + json.dumps(call("GET", url)))
print(round(ms))
PY
}

log "warm-up (one build each, not counted)"
fresh; direct >/dev/null; fresh; server >/dev/null
S=(); D=()
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then
    fresh; s=$(server); fresh; d=$(direct)
  else
    fresh; d=$(direct); fresh; s=$(server)
  fi
  S+=("$s"); D+=("$d")
  printf 'round %d: server %6d ms   direct %6d ms\n' "$r" "$s" "$d" | tee -a "$OUT"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
MS=$(median "${S[@]}"); MD=$(median "${D[@]}")
{
  echo "engine: Docker $(docker version --format '{{.Server.Version}}'), client for direct builds: $("$DOCKER_CLI" --version)"
  echo "median server: $MS ms   median direct: $MD ms   ratio server/direct: $(awk -v s="$MS" -v d="$MD" 'BEGIN {printf "%.3f", s/d}') (target <= 1.15)"
} | tee -a "$OUT"
