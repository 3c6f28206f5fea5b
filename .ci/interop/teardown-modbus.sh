#!/usr/bin/env bash
# Stops the Modbus interop peers started by setup-modbus.sh, by recorded PID only.
modbus_state="${TMPDIR:-/tmp}/curtail-modbus-interop"
for f in "$modbus_state"/*.pid; do
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  kill "$pid" 2>/dev/null && echo "teardown-modbus: stopped $(basename "$f" .pid) ($pid)"
  rm -f "$f"
done
exit 0
