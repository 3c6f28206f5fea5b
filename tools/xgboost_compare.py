#!/usr/bin/python3
"""Train xgboost on the exact feature rows and split Curtail's forecaster uses, and report MAE and training time.

Usage: /usr/bin/python3 tools/xgboost_compare.py FEATURES.csv [--trees 120] [--threads 2]
FEATURES.csv comes from `curtail train ... --export-csv FEATURES.csv`: one column per feature (empty = missing),
then `target` and `split` (train/test). Needs Debian's python3-xgboost and python3-pandas.
"""
import argparse
import time

import numpy as np
import pandas as pd
import xgboost as xgb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--trees", type=int, default=120)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    df = pd.read_csv(args.csv)
    features = [c for c in df.columns if c not in ("target", "split")]
    train, test = df[df.split == "train"], df[df.split == "test"]
    dtrain = xgb.DMatrix(train[features], label=train.target, missing=np.nan)
    dtest = xgb.DMatrix(test[features], missing=np.nan)
    print(f"xgboost {xgb.__version__}: {len(train):,} training rows, {len(test):,} held-out rows, {len(features)} features")

    # Same shape as Curtail's default: hist splits with 255 bins, depth 6, learning rate 0.1, 70% row sample.
    common = dict(tree_method="hist", max_bin=255, max_depth=6, eta=0.1, subsample=0.7, min_child_weight=40,
                  reg_lambda=1.0, nthread=args.threads, seed=42)
    for name, objective in (("absolute error (median)", "reg:absoluteerror"), ("squared error (mean)", "reg:squarederror")):
        # xgboost 1.7 starts every model at 0.5; start where Curtail's does (the median, or the mean).
        base = float(np.median(train.target)) if objective == "reg:absoluteerror" else float(np.mean(train.target))
        params = dict(common, objective=objective, base_score=base)
        start = time.perf_counter()
        booster = xgb.train(params, dtrain, num_boost_round=args.trees)
        seconds = time.perf_counter() - start
        pred = booster.predict(dtest)
        mae = float(np.mean(np.abs(test.target.values - pred)))
        print(f"{name:26s} MAE {mae:8.2f}  training {seconds:6.2f} s ({args.threads} threads, {args.trees} trees)")


if __name__ == "__main__":
    main()
