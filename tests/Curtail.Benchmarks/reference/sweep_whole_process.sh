#!/usr/bin/env bash
# The backtest issue's sweep target, whole process: 281 strikes over 2020-2023 HB_WEST with the published
# (ReadyToRun) `curtail`, timed side by side with the same sweep in pandas (sweep_pandas.py), in one run.
#
# Usage: tests/Curtail.Benchmarks/reference/sweep_whole_process.sh [RUNS]
# Needs Debian's python3-pandas (/usr/bin/python3). Prints every curtail run's wall time, their minimum and
# median, pandas' time, the ratio, and both programs' best strike and profit, so they can be checked against
# each other.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
runs=${1:-10}
out=$root/.tmp/bench-sweep
dotnet publish "$root/src/Curtail.Cli" -c Release -o "$out" -v q --nologo >/dev/null
args=(sweep --param policy.curtail_above_usd_per_mwh=20:300:1 --couple resume=curtail-20 --from 2020-01-01 --to 2024-01-01 --json)

"$out/curtail" "${args[@]}" > "$out/sweep.json"   # also brings the data files into the page cache
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s.%N)
  "$out/curtail" "${args[@]}" > /dev/null
  times+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
min=$(echo "$sorted" | head -1)
median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")

start=$(date +%s.%N)
pandas_line=$(/usr/bin/python3 "$root/tests/Curtail.Benchmarks/reference/sweep_pandas.py" "$root/data")
pandas=$(echo "$(date +%s.%N) - $start" | bc)

curtail_best=$(python3 -c "import json,sys; b=json.load(open(sys.argv[1]))['best']; print(f\"best_strike={b['policy.curtail_above_usd_per_mwh']:g} best_profit_usd={b['profit_usd']:.2f}\")" "$out/sweep.json")
printf 'curtail runs (s): %s\n' "${times[*]}"
printf 'curtail whole process: min %.3f s, median %.3f s of %d\n' "$min" "$median" "$runs"
printf 'pandas: %.1f s  (%s)\n' "$pandas" "$pandas_line"
printf 'curtail: %s\n' "$curtail_best"
printf 'pandas / curtail median: %.0fx\n' "$(echo "$pandas / $median" | bc -l)"
