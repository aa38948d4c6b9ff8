#!/usr/bin/env bash
# Benchmarks tandem-run against ONNX Runtime (CPU, onnxruntime-node) on the same models and
# inputs, and prints a markdown table. A dev tool: ORT is never a tandem dependency.
#
# How to run (from anywhere; models come from models/export.py):
#   /usr/bin/python3 models/export.py --out build/models --only resnet18,bert_encoder
#   scripts/bench_vs_ort.sh build/models/resnet18 build/models/bert_encoder \
#       [--threads "1 2"] [--iters 20] [--warmup 1] [--rounds 1] [--check]
# Each MODEL_DIR holds model.onnx and, optionally, test_data_set_0/input_<i>.pb (else both
# runtimes use random inputs). --check also compares both runtimes' outputs with
# test_data_set_0/output_<i>.pb (rtol = atol = 1e-4) and adds a column with the verdicts.
# Environment: TANDEM_RUN (default $TANDEM_BUILD_DIR/bin/tandem-run, TANDEM_BUILD_DIR=build).
# The first run installs onnxruntime-node (CPU build, ~80 MB) into tools/bench/ort/node_modules
# (git-ignored) with `npm install --ignore-scripts`; needs node >= 18 and npm.
#
# Runs are sequential (tandem, then ORT, per model and thread count), so a busy machine skews
# both about equally; the peak RSS of the ORT column includes node itself (~40-50 MiB).
# The CPU-time columns are each process's median CPU time per run (all threads): at 1 thread
# they hardly move when other work shares the machine, so read that ratio when it is busy.
# (At 2 threads they include workers waiting for work, so they are not a latency.)
# --rounds R runs R pairs per model and thread count, alternating which runtime goes first;
# the table then shows each runtime's median and the median of the R per-pair ratios, which
# holds still where the machine's speed drifts between runs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ORT_DIR=$ROOT/tools/bench/ort
TANDEM_RUN=${TANDEM_RUN:-$ROOT/${TANDEM_BUILD_DIR:-build}/bin/tandem-run}

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

threads="1 2"
iters=20
warmup=1
rounds=1
check=0
dirs=()
while (($#)); do
  case $1 in
    --threads) threads=${2:?--threads needs a value}; shift 2 ;;
    --iters) iters=${2:?--iters needs a value}; shift 2 ;;
    --warmup) warmup=${2:?--warmup needs a value}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) usage ;;
    -*) echo "bench_vs_ort.sh: unknown flag $1" >&2; usage ;;
    *) dirs+=("$1"); shift ;;
  esac
done
((${#dirs[@]})) || usage
[[ -x $TANDEM_RUN ]] || { echo "bench_vs_ort.sh: no tandem-run at $TANDEM_RUN (set TANDEM_RUN)" >&2; exit 1; }
command -v node >/dev/null || { echo "bench_vs_ort.sh: needs node and npm" >&2; exit 1; }

if [[ ! -d $ORT_DIR/node_modules/onnxruntime-node ]]; then
  echo "bench_vs_ort.sh: installing onnxruntime-node into $ORT_DIR/node_modules" >&2
  # The package ships its CPU binaries; ONNXRUNTIME_NODE_INSTALL=skip and --ignore-scripts stop
  # its install script from fetching the GPU (CUDA) ones.
  (cd "$ORT_DIR" && ONNXRUNTIME_NODE_INSTALL=skip npm install --ignore-scripts --no-audit --no-fund >&2)
fi

# json_fields LINE KEY...: prints the keys' values, tab-separated ('-' when missing).
json_fields() {
  node -e '
    const j = JSON.parse(process.argv[1]);
    console.log(process.argv.slice(2).map((k) => (k in j ? String(j[k]) : "-")).join("\t"));
  ' "$@"
}

# fmt_ms / fmt_mib / ratio: numbers for the table.
fmt() { node -e 'const [k, a, b] = process.argv.slice(1);
  const n = Number(a), d = Number(b);
  if (a === "-" || Number.isNaN(n)) { console.log("-"); process.exit(0); }
  if (k === "ms") console.log(n.toFixed(n < 10 ? 2 : 1));
  else if (k === "mib") console.log((n / 1048576).toFixed(0));
  else console.log(b === "-" || Number.isNaN(d) || d === 0 ? "-" : (n / d).toFixed(2));' "$@"; }

# last_json: the last line of stdin that starts with '{' (tandem-run also prints text).
last_json() { grep '^{' | tail -n 1 || true; }

# median VALUES...: the median of the numbers given ('-' entries ignored; '-' when none).
median() { node -e 'const v = process.argv.slice(1).filter((x) => x !== "-").map(Number).sort((a, b) => a - b);
  if (!v.length) { console.log("-"); process.exit(0); }
  const m = v.length >> 1; console.log(v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2);' "$@"; }
# pair_ratios "A1 A2 .." "B1 B2 ..": the per-pair ratios A_i / B_i, space-separated.
pair_ratios() { node -e 'const a = process.argv[1].split(" "), b = process.argv[2].split(" ");
  console.log(a.map((x, i) => (x === "-" || b[i] === "-" || Number(b[i]) === 0 ? "-" : String(Number(x) / Number(b[i])))).join(" "));' "$1" "$2"; }

header="| model | threads | tandem median ms | ORT median ms | ratio tandem/ORT | tandem CPU ms | ORT CPU ms | CPU ratio | tandem peak RSS MiB | ORT peak RSS MiB |"
rule="| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
if ((check)); then header+=" outputs match torch (tandem / ORT) |"; rule+=" --- |"; fi
rows=()

for dir in "${dirs[@]}"; do
  dir=${dir%/}
  model=$dir/model.onnx
  [[ -f $model ]] || { echo "bench_vs_ort.sh: no $model" >&2; exit 1; }
  name=$(basename "$dir")
  data=()
  [[ -f $dir/test_data_set_0/input_0.pb ]] && data=(--inputs "$dir/test_data_set_0")
  expect=()
  ((check)) && expect=(--expected "$dir/test_data_set_0" --rtol 1e-4 --atol 1e-4)
  for t in $threads; do
    t_ms_all=(); o_ms_all=(); t_cpu_all=(); o_cpu_all=()
    t_pass=true; o_pass=true; t_rss=-; o_rss=-
    for ((round = 0; round < rounds; ++round)); do
      # Alternate which runtime goes first, so a drifting machine favours neither.
      order=(tandem ort)
      ((round % 2)) && order=(ort tandem)
      for who in "${order[@]}"; do
        echo "bench_vs_ort.sh: $name, $t thread(s): $who (round $((round + 1))/$rounds)" >&2
        if [[ $who == tandem ]]; then
          out=$("$TANDEM_RUN" "$model" "${data[@]}" "${expect[@]}" --threads "$t" \
                --warmup "$warmup" --iters "$iters" 2>&1) && rc=0 || rc=$?
        else
          out=$(node "$ORT_DIR/ort_bench.js" "$model" "${data[@]}" "${expect[@]}" --threads "$t" \
                --warmup "$warmup" --iters "$iters" 2>&1) && rc=0 || rc=$?
        fi
        json=$(last_json <<<"$out")
        if [[ -n $json ]]; then
          IFS=$'\t' read -r ms rss pass cpu <<<"$(json_fields "$json" median_ms peak_rss_bytes passed cpu_ms)"
        else
          # No JSON: the run failed before timing; show its error in the table.
          ms=-; rss=-; pass=error; cpu=-
          echo "${out:-(no output)} [exit status $rc]" | tail -n 3 | sed "s|^|  $who $name: |" >&2
        fi
        if [[ $who == tandem ]]; then
          t_ms_all+=("$ms"); t_cpu_all+=("$cpu"); [[ $rss != - ]] && t_rss=$rss; [[ $pass != true ]] && t_pass=$pass
        else
          o_ms_all+=("$ms"); o_cpu_all+=("$cpu"); [[ $rss != - ]] && o_rss=$rss; [[ $pass != true ]] && o_pass=$pass
        fi
      done
    done
    ((check)) || { t_pass=-; o_pass=-; }
    t_ms=$(median "${t_ms_all[@]}"); o_ms=$(median "${o_ms_all[@]}")
    t_cpu=$(median "${t_cpu_all[@]}"); o_cpu=$(median "${o_cpu_all[@]}")
    ms_ratio=$(median $(pair_ratios "${t_ms_all[*]}" "${o_ms_all[*]}"))
    cpu_ratio=$(median $(pair_ratios "${t_cpu_all[*]}" "${o_cpu_all[*]}"))
    t_cell=$(fmt ms "$t_ms"); [[ $t_ms == - ]] && t_cell="error"
    o_cell=$(fmt ms "$o_ms"); [[ $o_ms == - ]] && o_cell="error"
    row="| $name | $t | $t_cell | $o_cell | $(fmt ratio "$ms_ratio" 1) | $(fmt ms "$t_cpu") | $(fmt ms "$o_cpu") | $(fmt ratio "$cpu_ratio" 1) |"
    row+=" $(fmt mib "$t_rss") | $(fmt mib "$o_rss") |"
    ((check)) && row+=" $t_pass / $o_pass |"
    rows+=("$row")
  done
done

echo "$header"
echo "$rule"
printf '%s\n' "${rows[@]}"
