"""Derives the demo's MCPC fixture (data/ercot/mcpc_sced_demo_2024-05-08_derived.csv.gz).

There is no real per-SCED-run MCPC history in the shared data (NP6-332-CD exists only since RTC+B, 2025-12-05), so
this file is SYNTHETIC: its SCED run times and its shape over the day are those of the real HB_WEST SCED LMPs of
2024-05-08 and 2024-05-09 (CPT) in data/ercot/sced_lmp_5min_hubs_2024.csv.gz; its levels are an invented rule,
MCPC = base + share * max(0, LMP - 20) $/MW-h per AS type, rounded to cents. It only gives the demo's chart something
shaped like a day to show. Run from the repository root: python3 tools/derive_demo_mcpc.py
"""
import csv
import gzip
import io

SOURCE = "data/ercot/sced_lmp_5min_hubs_2024.csv.gz"
TARGET = "data/ercot/mcpc_sced_demo_2024-05-08_derived.csv.gz"
DAYS = ("2024-05-08", "2024-05-09")
RULE = {"ECRS": (1.50, 0.06), "NSPIN": (0.75, 0.04), "REGDN": (1.50, 0.01), "REGUP": (3.00, 0.10), "RRS": (2.00, 0.08)}

out = io.StringIO()
out.write("SCEDTimestamp,RepeatedHourFlag,ASType,MCPC\n")
with gzip.open(SOURCE, "rt", newline="") as f:
    for row in csv.DictReader(f):
        if row["settlement_point"] != "HB_WEST" or row["sced_timestamp_local"][:10] not in DAYS:
            continue
        date, time = row["sced_timestamp_local"].split("T")
        y, m, d = date.split("-")
        lmp = float(row["lmp"])
        for as_type, (base, share) in RULE.items():
            out.write(f"{m}/{d}/{y} {time},{row['repeat_hour_flag']},{as_type},{base + share * max(0.0, lmp - 20):.2f}\n")
with open(TARGET, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
    gz.write(out.getvalue().encode())
