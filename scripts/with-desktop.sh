#!/usr/bin/env bash
# Runs a command inside a throwaway desktop session: an Xvfb display, a private D-Bus session bus
# and an unlocked gnome-keyring Secret Service. The e2e tests and the vault's real-keychain tests
# need all three; nothing here touches the real user's display, bus or keyrings.
#
# Usage: scripts/with-desktop.sh COMMAND [ARGS...]
set -euo pipefail

if [ "${RAMPART_DESKTOP_READY:-}" = 1 ]; then
  exec "$@"
fi

for tool in Xvfb dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "with-desktop: $tool is missing; run 'make setup'" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rampart-desktop.XXXXXX")
xvfb_pid=""
cleanup() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  # The document portal may have mounted a FUSE file system in the runtime directory.
  fusermount -u "$work/runtime/doc" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

# A free display number: no socket and no lock file.
display=""
for n in $(seq 90 190); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then display=":$n"; break; fi
done
[ -n "$display" ] || { echo "with-desktop: no free X display" >&2; exit 2; }

# Xvfb runs outside the D-Bus session so bus-activated services see DISPLAY.
Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do
  [ -e "/tmp/.X11-unix/X${display#:}" ] && break
  sleep 0.05
done
[ -e "/tmp/.X11-unix/X${display#:}" ] || { cat "$work/xvfb.log" >&2; echo "with-desktop: Xvfb did not start" >&2; exit 2; }

mkdir -p "$work/data" "$work/config" "$work/cache" "$work/runtime"
chmod 700 "$work/runtime"
export DISPLAY="$display"
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
export XDG_RUNTIME_DIR="$work/runtime"
export NO_AT_BRIDGE=1

# shellcheck disable=SC2016 # expanded by the inner shell
dbus-run-session -- bash -c '
  set -euo pipefail
  # The keyring password only protects this throwaway keyring.
  eval "$(printf "rampart-ci\n" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  export RAMPART_DESKTOP_READY=1
  "$@"
' with-desktop "$@"
