#!/usr/bin/python3
"""The 281-strike HB_WEST sweep of the backtest issue, written independently in pandas/numpy for comparison.

Same site (simulations/sites/default.yaml), same formulas (docs/economics.md), same policy semantics: threshold with
confirm_intervals, hard cap, hysteresis band kept constant across strikes, min on/off times, wake and sleep costs.
A threshold policy's hysteresis and minimum times are stateful, so the state machine is a Python loop per strike;
the economics are vectorised. Prints the best strike and its profit, so the two implementations can be compared.

Usage: sweep_pandas.py DATA_DIR [FROM_STRIKE TO_STRIKE STEP]
"""
import gzip
import math
import sys

import numpy as np
import pandas as pd

data = sys.argv[1]
lo, hi, step = (float(x) for x in sys.argv[2:5]) if len(sys.argv) > 4 else (20.0, 300.0, 1.0)

FLEET = [(1200, 100, 3050), (800, 140, 3010), (500, 200, 3500)]  # count, TH/s, W
ADDER, FEE = 6.5, 0.02
CONFIRM, HARD_CAP, BAND = 2, 300.0, 20.0
SLEEP_S, WAKE_MIN, MIN_OFF, MIN_ON = 5.0, 5.0, 15.0, 15.0

frames = [pd.read_csv(f"{data}/ercot/rtm_spp_hubs_15min_{y}.csv.gz", usecols=["interval_start_utc", "settlement_point", "spp"])
          for y in (2020, 2021, 2022, 2023)]
prices = pd.concat(frames)
prices = prices[prices.settlement_point == "HB_WEST"].sort_values("interval_start_utc")
hp = pd.read_csv(f"{data}/bitcoin/hashprice_daily.csv.gz", usecols=["date", "hashprice_usd_per_th_day"])
prices["date"] = prices.interval_start_utc.str[:10]
prices = prices.merge(hp, on="date", how="left")
p = prices.spp.to_numpy()
h = 0.25
mw = sum(c * w for c, _, w in FLEET) / 1e6
th = sum(c * t for c, t, _ in FLEET)
rev_full = th * prices.hashprice_usd_per_th_day.to_numpy() * h / 24 * (1 - FEE)
cost_full = mw * h * (p + ADDER)
n = len(p)
plist = p.tolist()


def run(strike):
    resume = strike - BAND
    running = np.empty(n, dtype=bool)
    since = np.empty(n)
    state, t_since = True, -1e9
    for i in range(n):
        t = i * 15.0
        want = state
        if i > 0:
            last = plist[i - 1]
            if last > HARD_CAP:
                want = False
            elif state:
                want = not (i >= CONFIRM and all(plist[i - k] > strike for k in range(1, CONFIRM + 1)))
            else:
                want = last < resume
        if want != state and t - t_since >= (MIN_ON if state else MIN_OFF):
            state, t_since = want, t
        running[i] = state
        since[i] = t - t_since
    wake_h = np.clip(WAKE_MIN - since, 0, 15) / 60
    sleep_h = np.clip(SLEEP_S / 60 - since, 0, 15) / 60
    revenue = np.where(running, rev_full * (h - wake_h) / h, 0).sum()
    cost = np.where(running, cost_full, cost_full * sleep_h / h).sum()
    return revenue - cost


strikes = [lo + k * step for k in range(int(math.floor((hi - lo) / step + 1e-9)) + 1)]
profits = [run(s) for s in strikes]
best = int(np.argmax(profits))
print(f"strikes={len(strikes)} intervals={n} best_strike={strikes[best]:g} best_profit_usd={profits[best]:.2f}")
