#!/usr/bin/env bash
# Installs what Rampart needs on Debian 12 / Ubuntu 22.04+, and nothing that is already there.
# Idempotent and quiet when everything is present.
#
#   scripts/setup.sh          packages to build and run the console
#   scripts/setup.sh --test   plus what the test suites need (Xvfb, WebKitWebDriver,
#                             gnome-keyring, Chromium, tauri-driver)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

run_packages=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev libssl-dev
  # The Secret Service the console keeps its keys in, and its client library.
  gnome-keyring dbus-x11 libsecret-1-dev libdbus-1-dev
)
test_packages=(xvfb webkit2gtk-driver keyutils chromium imagemagick xclip fonts-dejavu-core)

packages=("${run_packages[@]}")
[ "$want_test" = 1 ] && packages+=("${test_packages[@]}")

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "setup: this script knows Debian/Ubuntu only; install the equivalents of: ${missing[*]}" >&2
    echo "setup: see README.md (macOS and Windows prerequisites)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    sudo_cmd=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo)
  else
    echo "setup: missing system packages. Run this once, then try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Toolchains.
command -v cargo >/dev/null || {
  echo "setup: Rust is missing. Install it with rustup (https://rustup.rs), then try again." >&2
  exit 1
}
node_ok=0
if command -v node >/dev/null && command -v npm >/dev/null; then
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' && node_ok=1
fi
if [ "$node_ok" != 1 ]; then
  echo "setup: Node.js 20.19 or newer with npm is required (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "setup: install it from your distribution or nodejs.org, then try again." >&2
  exit 1
fi

# UI packages, exactly as locked. Skipped when node_modules matches the lockfile.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: installing UI packages (npm ci)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "$want_test" = 1 ]; then
  cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
  if ! command -v tauri-driver >/dev/null && [ ! -x "$cargo_bin/tauri-driver" ]; then
    echo "setup: installing tauri-driver"
    cargo install tauri-driver --locked --quiet
  fi
fi
