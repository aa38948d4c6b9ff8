#!/usr/bin/env bash
# The main job: set up, build, export the bundled model (resnet18, random seeded weights), print
# its summary, then its partition report on the built-in 6 GB laptop profile: once with the
# whole GPU and once with a GPU budget of a quarter of the weights, where the placement splits.
# Then it runs the model on the CPU executor (the runtime that runs a split plan across both devices
# is issue 6) and prints latency and memory.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BUILD_DIR=${TANDEM_BUILD_DIR:-build}
/usr/bin/python3 models/export.py --out "$BUILD_DIR/models" --only resnet18
MODEL="$BUILD_DIR/models/resnet18/model.onnx"
"$BUILD_DIR/bin/partition-tool" summary "$MODEL"
echo
"$BUILD_DIR/bin/partition-tool" "$MODEL" --profile laptop-6gb
echo
"$BUILD_DIR/bin/partition-tool" "$MODEL" --profile laptop-6gb --gpu-mem 25%
echo
"$BUILD_DIR/bin/tandem-run" "$MODEL" --device cpu --threads "$(nproc)" --warmup 2 --iters 10
