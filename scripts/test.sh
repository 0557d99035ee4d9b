#!/usr/bin/env bash
# Builds everything and runs every test (unit, integration, process pool,
# clients, ...) with CTest. Extra args go to ctest, e.g. `-L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir build --output-on-failure -j 2 --timeout 300 "$@"
