#!/usr/bin/env bash
# GPU checks for a machine that has a GPU but none of our build dependencies.
#
#   scripts/gpu_check.sh pack [--build DIR] [--pack DIR] [--models a,b|none] [--no-testdata]
#       (here) Packs the GPU test binaries and tools with the non-CUDA shared libraries they load
#       (protobuf, onnx, absl, XNNPACK, pthreadpool, cpuinfo, libstdc++...) into DIR (default
#       gpu-pack/, ignored by git), plus the ONNX backend test data and exported models.
#   scripts/gpu_check.sh run [--pack DIR] [--models-dir DIR] [--out DIR] [--quick]
#       (on the GPU machine) Finds the CUDA runtime, cuBLAS and cuDNN (system, or inside the
#       Python packages of a pip-installed PyTorch), then runs the CUDA tests, the GPU
#       conformance suite and every packed model on the GPU against torch's outputs and against
#       the CPU executor, writing logs and summary.txt to DIR (default $OUT, else gpu-results/).
#
# The pack must stay under the device tool's 64 MiB carry limit: binaries are stripped, the
# libraries and test data are compressed into one tarball, and models (which do not compress)
# are chosen with --models. `pack` prints the total.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-}"
shift || true

BINARIES=(tandem_cuda_tests tandem_gpu_device_tests tandem-run tandem-conformance partition-tool)
DEFAULT_MODELS="transformer_encoder,mobilenet_v3_small"
# Provided by the GPU machine (its driver, CUDA runtime, cuBLAS, cuDNN): never packed.
CUDA_LIB_PATTERN='^(libcuda|libcudart|libcublas|libcublasLt|libcudnn|libnvrtc|libnvJitLink)'
# The C library is used from the host unless the host's is older than ours (see write_runner).
GLIBC_PATTERN='^(libc|libm|libpthread|libdl|librt|ld-linux-x86-64)\.so'

die() { echo "gpu_check.sh: $*" >&2; exit 1; }

pack() {
  local build="$ROOT/build" dir="$ROOT/gpu-pack" models="$DEFAULT_MODELS" testdata=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --build) build="$2"; shift 2 ;;
      --pack) dir="$2"; shift 2 ;;
      --models) models="$2"; shift 2 ;;
      --no-testdata) testdata=0; shift ;;
      *) die "unknown pack option $1" ;;
    esac
  done
  [ -d "$build/bin" ] || die "no $build/bin: build first (cmake -DTANDEM_CUDA=ON ...)"
  rm -rf "$dir"
  local stage="$dir/stage"
  mkdir -p "$stage/bin" "$stage/lib/glibc" "$dir/models"
  for b in "${BINARIES[@]}"; do
    [ -x "$build/bin/$b" ] || die "missing $build/bin/$b (build it with the CUDA executor)"
    strip --strip-all -o "$stage/bin/$b" "$build/bin/$b"
    # Every library the loader resolves here, except the CUDA ones the GPU machine provides.
    ldd "$build/bin/$b" | awk '/=> \//{print $3} /^\t\/lib64\/ld-linux/{print $1}' | while read -r lib; do
      local name
      name="$(basename "$lib")"
      if [[ "$name" =~ $CUDA_LIB_PATTERN ]]; then continue; fi
      if [[ "$name" =~ $GLIBC_PATTERN ]]; then
        cp -L "$lib" "$stage/lib/glibc/$name"
      else
        cp -L "$lib" "$stage/lib/$name"
      fi
    done
  done
  cp -L /lib64/ld-linux-x86-64.so.2 "$stage/lib/glibc/" 2>/dev/null || true
  ldd --version | awk 'NR == 1 {print $NF}' > "$stage/lib/glibc/VERSION"
  cp "$ROOT/scripts/gpu_check.sh" "$stage/"
  cp "$ROOT/tests/conformance/run.gpu.expected_failures" "$stage/" 2>/dev/null || true
  if [ "$testdata" = 1 ]; then
    local data=/usr/share/libonnx-testdata/data
    [ -d "$data/node" ] || die "no ONNX backend test data in $data (apt-get install libonnx-testdata)"
    mkdir -p "$stage/testdata"
    tar -C "$data" -chf - node pytorch-converted pytorch-operator simple | tar -C "$stage/testdata" -xf -
  fi
  tar -C "$stage" -czf "$dir/tandem-gpu.tar.gz" .
  rm -rf "$stage"
  if [ "$models" != "none" ]; then
    IFS=',' read -r -a names <<< "$models"
    for m in "${names[@]}"; do
      [ -f "$build/models/$m/model.onnx" ] || die "no exported model $build/models/$m (run: ninja models)"
      cp -rL "$build/models/$m" "$dir/models/$m"
      rm -f "$dir/models/$m/.stamp"
    done
  fi
  echo "packed into $dir:"
  du -sh "$dir/tandem-gpu.tar.gz" "$dir"/models/* 2>/dev/null | sed 's/^/  /'
  local total
  total=$(du -sm "$dir" | cut -f1)
  echo "  total ${total} MiB"
  if [ "$total" -gt 60 ]; then
    echo "gpu_check.sh: warning: over 60 MiB; the device tool carries at most 64 MiB (use fewer --models)" >&2
  fi
}

# Directories holding the CUDA libraries on this machine, ':'-separated, most specific first.
find_cuda_libs() {
  local dirs=() d
  if [ -n "${TANDEM_CUDA_LIBS:-}" ]; then dirs+=("$TANDEM_CUDA_LIBS"); fi
  # pip-installed NVIDIA wheels (PyTorch's dependencies): nvidia/<pkg>/lib or nvidia/cu13/lib.
  local py
  for py in python3 /usr/bin/python3; do
    command -v "$py" > /dev/null 2>&1 || continue
    while read -r d; do
      [ -n "$d" ] && dirs+=("$d")
    done < <("$py" - 2>/dev/null <<'EOF' || true
import glob, os
roots = []
try:
    import nvidia
    roots += list(nvidia.__path__)
except Exception:
    pass
try:
    import torch
    roots.append(os.path.join(os.path.dirname(torch.__file__), "lib"))
except Exception:
    pass
seen = set()
for root in roots:
    for pattern in ("libcudnn.so*", "libcublas*.so*", "libcudart.so*"):
        for f in glob.glob(os.path.join(root, "**", pattern), recursive=True):
            d = os.path.dirname(f)
            if d not in seen:
                seen.add(d)
                print(d)
EOF
)
  done
  for d in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib; do
    [ -d "$d" ] && dirs+=("$d")
  done
  # Last resort: search the file system for cuDNN.
  if ! ls "${dirs[@]/%//libcudnn.so.9}" > /dev/null 2>&1; then
    while read -r f; do dirs+=("$(dirname "$f")"); done < <(find / -xdev \( -path /proc -o -path /sys \) -prune -o \
        \( -name 'libcudnn.so.9' -o -name 'libcublasLt.so.13' -o -name 'libcudart.so.13' \) -print 2>/dev/null || true)
  fi
  local IFS=':'
  echo "${dirs[*]:-}"
}

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# Writes $PACK_ROOT/run.sh: `run.sh BIN ARGS...` runs a packed binary with the packed libraries,
# through the packed dynamic loader and C library when the host's C library is older than the
# build machine's.
write_runner() {
  cat > "$PACK_ROOT/run.sh" <<EOF
#!/bin/sh
bin="$PACK_ROOT/bin/\$1"
shift
if [ "$USE_PACKED_GLIBC" = 1 ]; then
  exec "$PACK_ROOT/lib/glibc/ld-linux-x86-64.so.2" --library-path "$PACK_ROOT/lib/glibc:$LD_LIBRARY_PATH" "\$bin" "\$@"
fi
exec "\$bin" "\$@"
EOF
  chmod +x "$PACK_ROOT/run.sh"
}

run() {
  local dir="$ROOT/gpu-pack" out="${OUT:-$ROOT/gpu-results}" quick=0 models_dir=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --pack) dir="$2"; shift 2 ;;
      --models-dir) models_dir="$2"; shift 2 ;;
      --out) out="$2"; shift 2 ;;
      --quick) quick=1; shift ;;
      *) die "unknown run option $1" ;;
    esac
  done
  models_dir="${models_dir:-$dir/models}"
  [ -f "$dir/tandem-gpu.tar.gz" ] || die "no $dir/tandem-gpu.tar.gz: run 'scripts/gpu_check.sh pack' first"
  mkdir -p "$out"
  PACK_ROOT="$(mktemp -d /tmp/tandem-gpu.XXXXXX)"
  tar -C "$PACK_ROOT" -xzf "$dir/tandem-gpu.tar.gz"
  local summary="$out/summary.txt"
  : > "$summary"
  note() { echo "$*" | tee -a "$summary"; }

  { nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 || echo "nvidia-smi failed"; } \
    > "$out/gpu.txt"
  note "GPU: $(sed -n 1p "$out/gpu.txt")"
  local cuda_dirs
  cuda_dirs="$(find_cuda_libs)"
  export LD_LIBRARY_PATH="$PACK_ROOT/lib${cuda_dirs:+:$cuda_dirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  note "CUDA libraries from: ${cuda_dirs:-<none found>}"
  local host_glibc built_glibc
  host_glibc="$(ldd --version 2>/dev/null | awk 'NR == 1 {print $NF}' || true)"
  built_glibc="$(cat "$PACK_ROOT/lib/glibc/VERSION")"
  USE_PACKED_GLIBC=0
  if [ -z "$host_glibc" ] || ! version_ge "$host_glibc" "$built_glibc"; then USE_PACKED_GLIBC=1; fi
  note "glibc: host ${host_glibc:-unknown}, built with $built_glibc; packed loader used: $USE_PACKED_GLIBC"
  write_runner
  local run_sh="$PACK_ROOT/run.sh"
  if [ "$USE_PACKED_GLIBC" = 0 ] && ldd "$PACK_ROOT/bin/tandem-run" | grep -q "not found"; then
    ldd "$PACK_ROOT/bin/tandem-run" | grep "not found" | tee -a "$summary"
    die "libraries missing (set TANDEM_CUDA_LIBS to the folder with libcudnn.so.9 and libcublasLt.so.13)"
  fi
  local rc

  # 1. The CUDA tests: every op against the CPU executor, the executor's lifecycle.
  rc=0
  timeout 600 "$run_sh" tandem_cuda_tests --gtest_output="xml:$out/cuda_tests.xml" > "$out/cuda_tests.log" 2>&1 || rc=$?
  note "tandem_cuda_tests: exit $rc;" \
    "$(grep -E '^\[  (PASSED|FAILED|SKIPPED) +\] [0-9]+ tests?[,.]' "$out/cuda_tests.log" | tr '\n' ' ')"

  # 1b. The GPU as the runtime's device: transfers, budget, the packed models partitioned across
  #     CPU and GPU at 25/50/100% of their weights against the CPU (planned vs peak memory,
  #     predicted vs measured time are printed per plan).
  rc=0
  TANDEM_MODELS_DIR="$models_dir" timeout 600 "$run_sh" tandem_gpu_device_tests > "$out/gpu_device_tests.log" 2>&1 || rc=$?
  note "tandem_gpu_device_tests: exit $rc;" \
    "$(grep -E '^\[  (PASSED|FAILED|SKIPPED) +\] [0-9]+ tests?[,.]' "$out/gpu_device_tests.log" | tr '\n' ' ')"
  grep -E 'GB/s| at [0-9]+%' "$out/gpu_device_tests.log" >> "$summary" || true

  # 2. The ONNX backend conformance suite on the GPU (cases with a node the GPU lacks: skipped).
  if [ -d "$PACK_ROOT/testdata/node" ] && [ "$quick" = 0 ]; then
    rc=0
    local t="$PACK_ROOT/testdata"
    timeout 900 "$run_sh" tandem-conformance --stage run --device gpu \
      "$t/node" "$t/pytorch-converted" "$t/pytorch-operator" "$t/simple" > "$out/conformance_gpu.log" 2>&1 || rc=$?
    note "conformance (gpu): exit $rc; $(tail -1 "$out/conformance_gpu.log")"
  fi

  # 3. Every model: on the GPU against torch's outputs, on the CPU (saving its outputs), then on
  #    the GPU with CUDA graphs against the CPU's outputs.
  local m
  for m in "$models_dir"/*/; do
    [ -f "$m/model.onnx" ] || continue
    local name data log
    name="$(basename "$m")"
    data="$m/test_data_set_0"
    log="$out/models/$name"
    mkdir -p "$log/cpu_outputs"
    rc=0
    timeout 300 "$run_sh" tandem-run "$m/model.onnx" --device gpu --inputs "$data" --expected "$data" \
      --warmup 3 --iters 20 > "$log/gpu_vs_torch.log" 2>&1 || rc=$?
    note "$name gpu vs torch: exit $rc $(grep -E '^(PASSED|FAILED)' "$log/gpu_vs_torch.log" || true)" \
      "$(grep -m1 -oE 'median [0-9.]+ ms' "$log/gpu_vs_torch.log")"
    rc=0
    timeout 300 "$run_sh" tandem-run "$m/model.onnx" --device cpu --threads "$(nproc)" --inputs "$data" \
      --outputs "$log/cpu_outputs" --warmup 1 --iters 5 > "$log/cpu.log" 2>&1 || rc=$?
    note "$name cpu ($(nproc) threads): exit $rc $(grep -m1 -oE 'median [0-9.]+ ms' "$log/cpu.log")"
    rc=0
    timeout 300 "$run_sh" tandem-run "$m/model.onnx" --device gpu --inputs "$data" --expected "$log/cpu_outputs" \
      --warmup 3 --iters 20 --cuda_graphs > "$log/gpu_vs_cpu.log" 2>&1 || rc=$?
    note "$name gpu with CUDA graphs vs cpu: exit $rc $(grep -E '^(PASSED|FAILED)' "$log/gpu_vs_cpu.log" || true)" \
      "$(grep -m1 -oE 'median [0-9.]+ ms' "$log/gpu_vs_cpu.log")"
    rc=0
    timeout 300 "$run_sh" partition-tool "$m/model.onnx" --profile h100 --calibrate --calibrate-runs 10 \
      > "$log/calibrate.log" 2>&1 || rc=$?
    note "$name calibrate (cpu and gpu per node): exit $rc; $(grep -m1 -E '^  gpu ' "$log/calibrate.log" || true)"
    local budget
    for budget in 25% 50% 100%; do
      rc=0
      timeout 300 "$run_sh" tandem-run "$m/model.onnx" --gpu-mem "$budget" --profile h100 --strict --inputs "$data" \
        --expected "$log/cpu_outputs" --warmup 3 --iters 20 > "$log/partitioned_$budget.log" 2>&1 || rc=$?
      note "$name partitioned, gpu budget $budget of weights: exit $rc" \
        "$(grep -E '^(PASSED|FAILED)' "$log/partitioned_$budget.log" || true)" \
        "$(grep -m1 -oE 'median [0-9.]+ ms' "$log/partitioned_$budget.log")"
    done
  done
  rm -rf "$PACK_ROOT"
  echo "results in $out (summary.txt)"
}

case "$MODE" in
  pack) pack "$@" ;;
  run) run "$@" ;;
  *) die "usage: gpu_check.sh pack [--build DIR] [--pack DIR] [--models a,b|none] [--no-testdata] | run [--pack DIR] [--models-dir DIR] [--out DIR] [--quick]" ;;
esac
