# Synthetic 5-minute SCED LMPs from HB_WEST 15-minute SPPs of a training year, for a SCED-clock replay of a year
# that has no SCED history (docs/forecasting.md, "SCED windows"). Never for 2024, which has real SCED LMPs.
#   python3 tools/sced_replay_from_spp.py flat|ramp  [SPP file] [out dir]
# flat: the three runs of an interval at its SPP (the first run tells the interval's price exactly: too kind to rules
#       that act on one run).
# ramp: a linear ramp through the interval whose mean is the SPP exactly, slope (next SPP − previous SPP)/6, clipped
#       to ERCOT's price range (its last run leans toward the next interval's price: too kind to rules that count runs).
# Runs at :00:27, :05:27 and :10:27 of each interval, in the tidy SCED layout (sced_timestamp_local, ...).
import gzip, csv, sys, datetime as dt
from zoneinfo import ZoneInfo
CT=ZoneInfo('America/Chicago')
mode = sys.argv[1]
source = sys.argv[2] if len(sys.argv) > 2 else '/work/shared/data/ercot/rtm_spp_hubs_15min_2023.csv.gz'
outdir = sys.argv[3] if len(sys.argv) > 3 else f'{mode}/ercot'
rows = []
with gzip.open(source, 'rt') as f:
    for r in csv.DictReader(f):
        if r['settlement_point'] == 'HB_WEST':
            rows.append((r['interval_start_utc'], float(r['spp'])))
rows.sort()
year = rows[0][0][:4]
out = gzip.open(f'{outdir}/sced_lmp_5min_hubs_{year}.csv.gz', 'wt')
w = csv.writer(out, lineterminator='\n')
w.writerow(['sced_timestamp_local','repeat_hour_flag','sced_timestamp_utc','settlement_point','lmp'])
for i, (start, spp) in enumerate(rows):
    t0 = dt.datetime.strptime(start, '%Y-%m-%dT%H:%MZ')
    prev = rows[i-1][1] if i > 0 else spp
    nxt = rows[i+1][1] if i + 1 < len(rows) else spp
    slope = (nxt - prev) / 6 if mode == 'ramp' else 0
    dev = max(0.0, min(spp + 250, 9999 - spp))
    slope = max(-dev, min(dev, slope))
    for j in range(3):
        t = t0 + dt.timedelta(minutes=5*j, seconds=27)
        lmp = spp + slope * (j - 1)
        loc = t.replace(tzinfo=dt.timezone.utc).astimezone(CT)
        rep = 'Y' if loc.fold else 'N'
        w.writerow([loc.strftime('%Y-%m-%dT%H:%M:%S'), rep, t.strftime('%Y-%m-%dT%H:%M:%SZ'), 'HB_WEST', f'{lmp:.2f}'])
out.close()
print(len(rows))
