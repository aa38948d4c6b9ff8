#!/usr/bin/env bash
# Builds tandem's libFuzzer targets (clang, ASan+UBSan, coverage on every library) into
# build-fuzz/ and runs each one for a bounded time or number of executions. See docs/fuzzing.md.
#
#   scripts/fuzz.sh [--seconds N | --runs N] [--targets "importer_bytes tensor_proto model_structure"]
#
# Seeds come from the ONNX conformance suite (libonnx-testdata): its models for the model
# targets, its input/output .pb files for tensor_proto. New inputs go to build-fuzz/corpus/<target>,
# crashes to build-fuzz/artifacts/. Exits non-zero when a target finds a crash; copy the artifact
# into fuzz/regressions/<target>/ with the fix, so every build replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=60
RUNS=""
TARGETS="importer_bytes tensor_proto model_structure"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --targets) TARGETS=$2; shift 2 ;;
    *) echo "usage: scripts/fuzz.sh [--seconds N | --runs N] [--targets \"...\"]" >&2; exit 2 ;;
  esac
done

BUILD=${TANDEM_FUZZ_BUILD_DIR:-build-fuzz}
TESTDATA=${TANDEM_ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found (scripts/setup.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi

CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DTANDEM_CUDA=OFF -DTANDEM_SANITIZE=address \
  -DTANDEM_FUZZ=ON -DTANDEM_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
targets=()
for t in $TARGETS; do targets+=("${t}_fuzzer"); done
cmake --build "$BUILD" --parallel "$(nproc)" --target "${targets[@]}"

# Flat seed folders (libFuzzer names corpus files by content hash; these are read-only seeds).
SEEDS="$BUILD/seeds"
if [ ! -d "$SEEDS/models" ]; then
  mkdir -p "$SEEDS/models" "$SEEDS/tensors"
  i=0
  while IFS= read -r -d '' f; do
    cp "$f" "$SEEDS/models/$i.onnx"; i=$((i + 1))
  done < <(find "$TESTDATA" -name model.onnx -size -64k -print0 | sort -z)
  i=0
  while IFS= read -r -d '' f; do
    cp "$f" "$SEEDS/tensors/$i.pb"; i=$((i + 1))
  done < <(find "$TESTDATA" -name '*.pb' -size -16k -print0 | sort -z | head -z -n 3000)
fi

status=0
for t in $TARGETS; do
  seeds="$SEEDS/models"
  [ "$t" = tensor_proto ] && seeds="$SEEDS/tensors"
  mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts"
  limit=(-max_total_time="$SECONDS_PER_TARGET")
  [ -n "$RUNS" ] && limit=(-runs="$RUNS")
  echo "fuzz: $t (${limit[*]})"
  # malloc_limit_mb: an allocation this large is one the importer should have refused.
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 "$BUILD/bin/${t}_fuzzer" "${limit[@]}" \
      -rss_limit_mb=3072 -malloc_limit_mb=1024 -timeout=20 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$BUILD/artifacts/$t-" "$BUILD/corpus/$t" "$seeds" 2>"$BUILD/$t.log"; then
    echo "fuzz: $t FOUND A CRASH (log: $BUILD/$t.log, input: $BUILD/artifacts/$t-*)" >&2
    grep -E "ERROR|SUMMARY|==[0-9]+==" "$BUILD/$t.log" | head -20 >&2 || true
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^Done [0-9]+ runs" "$BUILD/$t.log" || tail -3 "$BUILD/$t.log"
done
exit $status
