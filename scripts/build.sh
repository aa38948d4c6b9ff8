#!/usr/bin/env bash
# Configures and builds tandem into build/ (Ninja). Extra arguments go to cmake's configure step,
# e.g. `scripts/build.sh -DTANDEM_CUDA=OFF`. Tools end up in build/bin/.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${TANDEM_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja "$@"
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
