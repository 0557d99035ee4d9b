#!/usr/bin/env bash
# Configures and builds execd into ./build (extra args go to the build step).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEXECD_SKIP_PARTS="" >/dev/null
cmake --build build -j "$(nproc)" "$@"
