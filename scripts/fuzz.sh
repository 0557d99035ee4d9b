#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (build-fuzz:
# -fsanitize=fuzzer,address,undefined) and runs each for a bounded time.
# Usage: scripts/fuzz.sh [seconds per target, default 60] [target...]
#   targets: submit_validation builtins frame_codec (default: all)
# Each run starts from the committed seeds (tests/fuzz/corpus/<target>) and
# the kept crash inputs (tests/fuzz/regressions/<target>); what it learns
# stays in build-fuzz/corpus/<target>. A crash fails the script and leaves
# its input in build-fuzz/artifacts/<target>/: fix the bug, then copy the
# input into tests/fuzz/regressions/<target>/ so CTest replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

seconds="${1:-60}"
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(submit_validation builtins frame_codec)
fi
dir=build-fuzz

cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DEXECD_FUZZ=ON \
  -DEXECD_SKIP_PARTS="client;bench;k8s;observability" >/dev/null
build_targets=()
for target in "${targets[@]}"; do build_targets+=("fuzz_$target"); done
cmake --build "$dir" -j "${EXECD_JOBS:-2}" --target "${build_targets[@]}"

failed=()
for target in "${targets[@]}"; do
  corpus="$dir/corpus/$target"
  artifacts="$dir/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: $target for $seconds s"
  if ! ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
      UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
      "$dir/bin/fuzz_$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$corpus" \
      "tests/fuzz/corpus/$target" "tests/fuzz/regressions/$target" \
      >"$dir/fuzz-$target.log" 2>&1; then
    tail -n 80 "$dir/fuzz-$target.log" >&2
    echo "fuzz: $target FAILED; inputs in $artifacts/" >&2
    failed+=("$target")
  else
    grep -E '^(stat::number_of_executed_units|stat::new_units_added)' \
      "$dir/fuzz-$target.log" | sed "s/^/fuzz: $target /" || true
  fi
done
if ((${#failed[@]} > 0)); then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
