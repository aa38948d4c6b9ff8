#!/usr/bin/env bash
# The main job: set up, build, export the bundled model (resnet18, random seeded weights) and run
# tandem on it. Today that is the import and its model summary; the partition report and the run
# join as the partitioner and executors land.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BUILD_DIR=${TANDEM_BUILD_DIR:-build}
/usr/bin/python3 models/export.py --out "$BUILD_DIR/models" --only resnet18
"$BUILD_DIR/bin/partition-tool" summary "$BUILD_DIR/models/resnet18/model.onnx"
