#!/bin/sh
# run-bench.sh — bench-train (ours and FANN) and, when /usr/bin/python3 has
# torch, bench_torch.py; then one table of all three with the ratios.
#
#   tests/bench/run-bench.sh BUILD_DIR [--min-time S] [--reps N] [--workloads t1,t2,t3,t4,t5] [--cpu-time]
#
# The options go to both programs.  bench-train prints its own report first
# (with FANN, the K rows and PASS/MISS); this table adds torch.  Without
# torch the T3 torch column is the issue's constant (29 k samples/s).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run-bench.sh BUILD_DIR [bench-train options]}
shift
exe=$build/tests/bench/bench-train
python=/usr/bin/python3

if [ ! -x "$exe" ]; then
  echo "run-bench.sh: $exe not found (is libfann-dev installed? did the build run?)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

OPENBLAS_NUM_THREADS=1 "$exe" --summary "$tmp/ours.tsv" "$@"

torch_status=absent
if [ -x "$python" ] && "$python" -c 'import torch' 2>/dev/null; then
  echo
  if OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
       "$python" "$here/bench_torch.py" "$@" >"$tmp/torch.tsv"; then
    torch_status=live
  else
    echo "run-bench.sh: bench_torch.py failed" >&2
    exit 1
  fi
else
  : >"$tmp/torch.tsv"
fi

echo
echo "Ours vs FANN vs PyTorch (samples/s, best repetition; torch: $torch_status)"
awk -F '\t' -v torch_status="$torch_status" '
  FNR == 1 { file++ }
  { best[$1] = $2 }
  function fmt(x) {
    if (x == "") return "-"
    if (x >= 1e6) return sprintf("%.2f M", x / 1e6)
    if (x >= 1e3) return sprintf("%.1f k", x / 1e3)
    return sprintf("%.0f", x)
  }
  function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2fx", a / b) }
  END {
    printf "%-5s %11s %11s %13s %10s %10s\n", "", "ours", "FANN", "torch", "ours/FANN", "ours/torch"
    n = split("T1 T2 T3 T4 T5", w, " ")
    for (i = 1; i <= n; i++) {
      ours = best[w[i] "-ours"]
      if (ours == "") continue
      fann = best[w[i] "-fann"]
      if (w[i] == "T3") {
        fann = best["T3-fann-incremental"]
        if (best["T3-fann-batch"] > fann) fann = best["T3-fann-batch"]
      }
      torch = best["torch-" w[i]]
      label = fmt(torch)
      if (torch == "" && w[i] == "T3") { torch = 29000; label = fmt(torch) " (issue)" }
      printf "%-5s %11s %11s %13s %10s %10s\n", w[i], fmt(ours), fmt(fann), label,
             ratio(ours, fann), ratio(ours, torch)
    }
  }
' "$tmp/ours.tsv" "$tmp/torch.tsv"
