#!/usr/bin/env bash
# Builds everything and runs every test (unit, integration, process pool,
# clients, fuzz-corpus replay, soak, ...) with CTest. Extra args go to ctest,
# e.g. `-L unit`.
# With CI=true (set by .ci/run) or EXECD_TEST_ALL=1 it then also runs the
# bounded fuzzing (scripts/fuzz.sh, EXECD_FUZZ_SECONDS per target, default
# 60) and the sanitizer builds (scripts/sanitizers.sh: ASan+UBSan, TSan).
set -euo pipefail
cd "$(dirname "$0")/.."

stage() {  # <name> <command...>: runs a stage and reports its duration
  local name="$1" start=$SECONDS
  shift
  echo "=== stage $name"
  "$@"
  echo "=== stage $name passed in $((SECONDS - start)) s"
}

stage build scripts/build.sh
stage ctest ctest --test-dir build --output-on-failure -j 2 --timeout 300 "$@"
if [[ "${CI:-}" == "true" || "${EXECD_TEST_ALL:-}" == "1" ]]; then
  stage fuzz scripts/fuzz.sh "${EXECD_FUZZ_SECONDS:-60}"
  stage asan scripts/sanitizers.sh asan
  stage tsan scripts/sanitizers.sh tsan
fi
