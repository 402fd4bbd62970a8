# Shared helpers for the project's scripts. Source it; it changes nothing by itself.
# Everything here is idempotent: it installs only what is missing.

# Build outputs live outside the clone so a fresh clone (CI) reuses earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lelantos/target}"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: need root to run: $*" >&2; return 1; fi
}

_apt_updated=""
# ensure_apt CMD PACKAGE: installs Debian PACKAGE when command CMD is missing.
ensure_apt() {
  local cmd="$1" pkg="$2"
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: '$cmd' is missing; install the package that provides it ($pkg)" >&2
    return 1
  fi
  if [ -z "$_apt_updated" ]; then
    log "apt-get update"
    as_root apt-get update -qq >/dev/null
    _apt_updated=1
  fi
  log "installing $pkg"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    ensure_apt curl curl
    log "installing the Rust toolchain (rustup)"
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal >/dev/null
  fi
  if command -v rustup >/dev/null 2>&1; then
    rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt >/dev/null
    rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy >/dev/null
  fi
}

ensure_wasm_target() {
  if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown >/dev/null
  fi
}

# The wasm-bindgen version pinned in Cargo.lock (the CLI must match it exactly).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock
}

ensure_cargo_tool() { # ensure_cargo_tool BINARY CRATE VERSION [--locked]
  local bin="$1" crate="$2" version="$3"; shift 3
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -q " $version"; then return 0; fi
  log "installing $crate $version (cargo install; a few minutes, once)"
  cargo install --quiet "$crate" --version "=$version" "$@"
}

ensure_wasm_tools() {
  ensure_wasm_target
  ensure_cargo_tool wasm-bindgen wasm-bindgen-cli "$(wasm_bindgen_version)"
  ensure_cargo_tool wasm-pack wasm-pack 0.15.1
}

ensure_node() {
  ensure_apt node nodejs
  ensure_apt npm npm
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then echo "error: Node.js 20 or newer is needed (found $(node --version))" >&2; return 1; fi
}

# JS tools for the SDK (wasm-opt from binaryen, tsc, esbuild, playwright-core) in tests/js.
ensure_js_tools() {
  ensure_node
  local dir="$PWD/tests/js"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "npm ci (tests/js)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

ensure_chromium() {
  ensure_apt chromium chromium
  ensure_apt chromedriver chromium-driver
}

# start_server NAME [ARGS…]: starts lelantos-server (dry-run, key $TEST_KEY) on a free
# loopback port in the background; sets NAME_URL and records the pid for stop_servers.
SERVER_PIDS=()
start_server() {
  local name="$1"; shift
  local out; out="$(mktemp)"
  local data; data="$(mktemp -d)"
  LELANTOS_LOG=warn "$LELANTOS_SERVER_BIN" --listen 127.0.0.1:0 --data-dir "$data" --builder dry-run \
    --api-key "$TEST_KEY" "$@" >"$out" 2>&1 &
  SERVER_PIDS+=($!)
  local url=""
  for _ in $(seq 100); do
    url=$(grep -o 'listening on http://[0-9.:]*' "$out" | head -n 1 | cut -d' ' -f3) || true
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$out" >&2; echo "error: $name server did not start" >&2; return 1; }
  printf -v "${name}_URL" '%s' "$url"
}

# start_silent: a loopback TCP port that accepts connections and never answers (for timeouts).
start_silent() {
  local out; out="$(mktemp)"
  node -e 'const s=require("net").createServer(()=>{}); s.listen(0,"127.0.0.1",()=>console.log(s.address().port))' >"$out" &
  SERVER_PIDS+=($!)
  for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
  SILENT_URL="http://127.0.0.1:$(cat "$out")"
}

stop_servers() {
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  SERVER_PIDS=()
}

ensure_trunk() {
  if command -v trunk >/dev/null 2>&1 && trunk --version | grep -q ' 0\.21\.'; then return 0; fi
  log "installing trunk 0.21 (cargo install; about 10 minutes, once)"
  cargo install --quiet trunk --version '^0.21' --locked
}

# Builds the console into dist/console with trunk (release, wasm-opt from binaryen).
build_console() {
  ensure_wasm_tools
  ensure_js_tools
  ensure_trunk
  log "trunk build (console → dist/console)"
  trunk build --release --offline >/dev/null
}

# --- Docker engine (real builds and sandboxes) ---------------------------------------------

docker_answers() { # whether a Docker engine answers (DOCKER_HOST or the default socket)
  command -v docker >/dev/null 2>&1 && timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# ensure_docker: an engine that answers. Uses the one there is; otherwise, as root on a Debian
# machine, installs docker.io and starts dockerd in the background (no bridge network: builds
# and sandboxes here run with network `none`). Returns 1, saying why, when neither works.
ensure_docker() {
  docker_answers && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "no Docker engine answers (DOCKER_HOST or /var/run/docker.sock), and starting one needs root on Debian" >&2
    return 1
  fi
  command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || ensure_apt /usr/sbin/dockerd docker.io
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd (log: /var/log/lelantos-dockerd.log)"
    mkdir -p /var/lib/docker
    setsid nohup "$(command -v dockerd || echo /usr/sbin/dockerd)" --storage-driver overlay2 --bridge none --iptables=false \
      --ip-masq=false >/var/log/lelantos-dockerd.log 2>&1 < /dev/null &
  fi
  for _ in $(seq 60); do docker_answers && return 0; sleep 0.5; done
  echo "dockerd did not answer within 30 s; see /var/log/lelantos-dockerd.log" >&2
  tail -n 20 /var/log/lelantos-dockerd.log >&2 || true
  return 1
}

# ensure_base_image: local/busybox:latest, made from busybox-static (no registry is reachable
# here, so FROM lines in tests and examples use this local image).
BASE_IMAGE=local/busybox:latest
ensure_base_image() {
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return 0
  [ -x /bin/busybox ] || ensure_apt /bin/busybox busybox-static
  log "making the base image $BASE_IMAGE from busybox-static"
  local root; root="$(mktemp -d)"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
}
