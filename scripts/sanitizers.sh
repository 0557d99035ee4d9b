#!/usr/bin/env bash
# Builds and runs the tests under sanitizers, each in its own build folder:
#   asan  build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (g++,
#         Debug); the unit, integration and process tests (the server and
#         execd-worker binaries they start are instrumented too).
#   tsan  build-tsan: ThreadSanitizer (clang++ 14, Debug: g++ 12's TSan
#         runtime crashes (SEGV inside __tsan::MemoryAccess) iterating an
#         empty protobuf Map of Debian's libprotobuf); the core unit tests (label
#         unit: queues, store, records, delayed set, interner, timers, thread
#         pool, executor; no gRPC),
#         with tests/sanitizers/tsan_absl_mutex.cc linked in so TSan sees
#         Debian's absl::Mutex lock/unlock (no suppressions needed).
# Usage: scripts/sanitizers.sh [asan] [tsan]   (default: both)
# Every sanitizer report, from any process (test, server or worker), goes to
# build-*/sanitizer-logs/ (reports printed to a test's output are caught from
# ctest-output there); a report fails the stage even if the test passed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

stages=("$@")
if ((${#stages[@]} == 0)); then stages=(asan tsan); fi
jobs="${EXECD_JOBS:-2}"
root="$(pwd)"

# Fails (listing them) if any sanitizer report was written under $1.
check_logs() {
  local dir="$1"
  local reports
  reports=$(grep -lE 'ERROR: (Address|Leak|Thread)Sanitizer|WARNING: ThreadSanitizer|runtime error:' \
    "$dir"/* 2>/dev/null || true)
  if [[ -n "$reports" ]]; then
    echo "sanitizer reports:" >&2
    for report in $reports; do
      echo "=== $report" >&2
      head -n 60 "$report" >&2
    done
    return 1
  fi
}

configure() {  # <dir> <compiler> <compile flags> [link flags]
  local dir="$1" compiler="$2"
  shift 2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER="$compiler" \
    -DCMAKE_CXX_FLAGS="$1 -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="${2:-$1}" \
    -DEXECD_SKIP_PARTS="client;bench;k8s;observability" >/dev/null
}

run_asan() {
  local dir=build-asan
  configure "$dir" g++ \
    "-fsanitize=address,undefined -fno-sanitize-recover=undefined"
  cmake --build "$dir" -j "$jobs" --target execd execd-worker \
    unit_task_queue_test unit_task_store_test unit_task_record_test \
    unit_delayed_set_test unit_string_interner_test unit_timer_service_test \
    unit_thread_pool_test unit_builtins_test unit_executor_test \
    integration_submit_result_test integration_cancel_timeout_test \
    integration_streams_test integration_queries_test \
    integration_lifecycle_test integration_metrics_test \
    frame_codec_test process_pool_test process_server_test \
    process_chaos_test fuzz_replay_tests
  local logs="$root/$dir/sanitizer-logs"
  rm -rf "$logs" && mkdir -p "$logs"
  # Leak checking stays on: a leak report of any process fails the stage.
  # handle_segv=0: `crash segv` must kill its worker by SIGSEGV as in a
  # normal build (a stray SEGV still crashes, just without ASan's report).
  # Excluded: the two MemoryLimit tests, which set RLIMIT_AS on the worker;
  # an ASan binary reserves terabytes of shadow address space at start-up,
  # so under any address-space limit the worker cannot even start.
  ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:handle_segv=0:detect_stack_use_after_return=0" \
  UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1" \
  LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp" \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300 \
      -L 'unit|integration|process|fuzz' -E 'MemoryLimitFailsTheRunawayTaskAlone' \
      2>&1 | tee "$logs/ctest-output"
  check_logs "$logs"
}

run_tsan() {
  local dir=build-tsan
  # Annotates Debian's (uninstrumented) absl::Mutex for TSan; see the file.
  mkdir -p "$dir"
  local annotations="$root/$dir/tsan_absl_mutex.o"
  clang++ -std=c++17 -O1 -g -fsanitize=thread -fPIC \
    -c tests/sanitizers/tsan_absl_mutex.cc -o "$annotations"
  configure "$dir" clang++ "-fsanitize=thread" \
    "-fsanitize=thread -rdynamic $annotations"
  cmake --build "$dir" -j "$jobs" --target unit_task_queue_test \
    unit_task_store_test unit_task_record_test unit_delayed_set_test \
    unit_string_interner_test unit_timer_service_test unit_thread_pool_test \
    unit_builtins_test unit_executor_test
  local logs="$root/$dir/sanitizer-logs"
  rm -rf "$logs" && mkdir -p "$logs"
  TSAN_OPTIONS="log_path=$logs/tsan:halt_on_error=0:second_deadlock_stack=1:suppressions=$root/tests/sanitizers/tsan.supp" \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300 \
      -L unit 2>&1 | tee "$logs/ctest-output"
  check_logs "$logs"
}

for stage in "${stages[@]}"; do
  start=$SECONDS
  case "$stage" in
    asan) run_asan ;;
    tsan) run_tsan ;;
    *) echo "unknown stage: $stage (asan, tsan)" >&2; exit 2 ;;
  esac
  echo "sanitizers: $stage passed in $((SECONDS - start)) s"
done
