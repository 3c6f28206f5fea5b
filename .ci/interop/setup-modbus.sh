# Modbus interop peers (sourced by .ci/run under `set -euo pipefail`; keep every command's status deliberate).
# Installs Debian's python3-pymodbus, mbpoll and libmodbus-dev, builds and starts the libmodbus peer and the
# pymodbus peer from ../shared/peers/modbus on free loopback ports, waits until they listen, and exports:
#   CURTAIL_MODBUS_LIBMODBUS_PORT, CURTAIL_MODBUS_PYMODBUS_PORT, CURTAIL_MODBUS_PYTHON, CURTAIL_MODBUS_MBPOLL,
#   CURTAIL_MODBUS_PEER_DIR (the shared peers, for probe.py).
# Stopped by teardown-modbus.sh (by recorded PID only).

# shared/ sits beside the repository; CURTAIL_SHARED_DIR overrides (e.g. for a git worktree one level deeper).
modbus_peer_dir="${CURTAIL_SHARED_DIR:-$(pwd)/../shared}/peers/modbus"
modbus_state="${TMPDIR:-/tmp}/curtail-modbus-interop"
mkdir -p "$modbus_state"
if [ ! -f "$modbus_peer_dir/genset_peer.c" ] || [ ! -f "$modbus_peer_dir/python/pymodbus_peer.py" ]; then
  echo "setup-modbus: peers not found at $modbus_peer_dir (expected shared/ beside the repository)" >&2
  return 1
fi

modbus_missing=""
command -v mbpoll >/dev/null 2>&1 || modbus_missing="$modbus_missing mbpoll"
/usr/bin/python3 -c 'import pymodbus' >/dev/null 2>&1 || modbus_missing="$modbus_missing python3-pymodbus"
command -v gcc >/dev/null 2>&1 || modbus_missing="$modbus_missing gcc"
command -v pkg-config >/dev/null 2>&1 || modbus_missing="$modbus_missing pkg-config"
pkg-config --exists libmodbus 2>/dev/null || modbus_missing="$modbus_missing libmodbus-dev"
if [ -n "$modbus_missing" ]; then
  # apt-get update once per machine boot, whoever asks first (other setup steps may use the same marker).
  if [ ! -e /tmp/.curtail-apt-updated ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    touch /tmp/.curtail-apt-updated
  fi
  echo "setup-modbus: installing$modbus_missing"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq $modbus_missing >/dev/null
fi

# The shared peer directory is read-only: build the C peer into our state directory.
if [ ! -x "$modbus_state/genset_peer" ] || [ "$modbus_peer_dir/genset_peer.c" -nt "$modbus_state/genset_peer" ]; then
  # shellcheck disable=SC2046
  gcc -O2 -Wall -o "$modbus_state/genset_peer" "$modbus_peer_dir/genset_peer.c" $(pkg-config --cflags --libs libmodbus)
fi

modbus_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
modbus_free_port() {
  if ! modbus_port_busy "$1"; then echo "$1"; return 0; fi
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
modbus_wait_port() {
  local i
  for i in $(seq 1 100); do
    if modbus_port_busy "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}
modbus_stop_recorded() {
  local f
  for f in "$modbus_state"/*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}
modbus_stop_recorded   # peers left over from an earlier run of ours

CURTAIL_MODBUS_LIBMODBUS_PORT="$(modbus_free_port 1502)"
"$modbus_state/genset_peer" "$CURTAIL_MODBUS_LIBMODBUS_PORT" 127.0.0.1 >"$modbus_state/libmodbus.log" 2>&1 &
echo $! >"$modbus_state/libmodbus.pid"
if ! modbus_wait_port "$CURTAIL_MODBUS_LIBMODBUS_PORT"; then
  echo "setup-modbus: libmodbus peer did not listen; see $modbus_state/libmodbus.log" >&2
  return 1
fi

CURTAIL_MODBUS_PYMODBUS_PORT="$(modbus_free_port 1505)"
/usr/bin/python3 "$modbus_peer_dir/python/pymodbus_peer.py" "$CURTAIL_MODBUS_PYMODBUS_PORT" >"$modbus_state/pymodbus.log" 2>&1 &
echo $! >"$modbus_state/pymodbus.pid"
if ! modbus_wait_port "$CURTAIL_MODBUS_PYMODBUS_PORT"; then
  echo "setup-modbus: pymodbus peer did not listen; see $modbus_state/pymodbus.log" >&2
  return 1
fi

export CURTAIL_MODBUS_LIBMODBUS_PORT CURTAIL_MODBUS_PYMODBUS_PORT
export CURTAIL_MODBUS_PYTHON=/usr/bin/python3
CURTAIL_MODBUS_MBPOLL="$(command -v mbpoll)"
export CURTAIL_MODBUS_MBPOLL
export CURTAIL_MODBUS_PEER_DIR="$modbus_peer_dir"
echo "setup-modbus: libmodbus peer on 127.0.0.1:$CURTAIL_MODBUS_LIBMODBUS_PORT, pymodbus peer on 127.0.0.1:$CURTAIL_MODBUS_PYMODBUS_PORT"
