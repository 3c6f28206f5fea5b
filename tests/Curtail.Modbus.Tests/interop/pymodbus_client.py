#!/usr/bin/python3
"""Debian python3-pymodbus client used by Curtail's interop tests and `curtail bench modbus`. Loopback only.
Usage: pymodbus_client.py check PORT          -> JSON of what pymodbus reads/writes on a Curtail genset emulator
       pymodbus_client.py bench PORT N COUNT  -> JSON with p50/p99 round trip (microseconds) of N reads of COUNT registers
"""
import json, struct, sys, time
from pymodbus.client import ModbusTcpClient

def connect(port):
    c = ModbusTcpClient("127.0.0.1", port=port, timeout=3)
    if not c.connect():
        raise SystemExit(f"cannot connect to 127.0.0.1:{port}")
    return c

def check(port):
    c = connect(port)
    out = {}
    hr = c.read_holding_registers(0, 33, slave=1).registers
    out["holding_0_32"] = hr
    out["input_0_32"] = c.read_input_registers(0, 33, slave=1).registers
    f_abcd = c.read_holding_registers(200, 8, slave=1).registers
    f_cdab = c.read_holding_registers(220, 8, slave=1).registers
    out["float_abcd"] = [struct.unpack(">f", struct.pack(">HH", f_abcd[i], f_abcd[i + 1]))[0] for i in range(0, 8, 2)]
    out["float_cdab"] = [struct.unpack(">f", struct.pack(">HH", f_cdab[i + 1], f_cdab[i]))[0] for i in range(0, 8, 2)]
    out["discrete_0_2"] = c.read_discrete_inputs(0, 3, slave=1).bits[:3]
    w = c.write_registers(101, [0, 7000], slave=1)        # site load override 700.0 kW
    out["write_101_error"] = w.isError()
    after = c.read_holding_registers(4, 2, slave=1).registers
    out["active_after_override_kw"] = ((after[0] << 16) | after[1]) / 10.0
    c.write_registers(101, [0xFFFF, 0xFFFF], slave=1)     # override off
    out["coil_write_error"] = c.write_coil(5, True, slave=1).isError()
    out["coil_5"] = c.read_coils(0, 8, slave=1).bits[5]
    rw = c.readwrite_registers(read_address=150, read_count=2, write_address=150, write_registers=[7, 8], slave=1)
    out["fc23_read"] = rw.registers
    e1 = c.read_holding_registers(0, 126, slave=1)
    out["over_limit_exception"] = getattr(e1, "exception_code", None)
    e2 = c.read_holding_registers(5000, 1, slave=1)
    out["unmapped_exception"] = getattr(e2, "exception_code", None)
    c.close()
    print(json.dumps(out))

def bench(port, n, count):
    c = connect(port)
    for _ in range(min(200, n)):          # warm-up
        c.read_holding_registers(0, count, slave=1)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        rr = c.read_holding_registers(0, count, slave=1)
        samples.append((time.perf_counter_ns() - t0) / 1000.0)
        if rr.isError():
            raise SystemExit(f"read failed: {rr}")
    c.close()
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    print(json.dumps({"n": n, "count": count, "p50_us": pick(0.50), "p99_us": pick(0.99), "mean_us": sum(samples) / n}))

if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "check":
        check(port)
    elif mode == "bench":
        bench(port, int(sys.argv[3]) if len(sys.argv) > 3 else 2000, int(sys.argv[4]) if len(sys.argv) > 4 else 100)
    else:
        raise SystemExit(__doc__)
