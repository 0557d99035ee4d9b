#!/bin/bash
# Profiles execd under the streaming load of execd-bench:
#   bench/profile.sh perf       sampled CPU profile (perf record -e cpu-clock)
#   bench/profile.sh callgrind  instruction counts with call graph (slow)
# Further arguments go to execd-bench (e.g. --batched_only).
# Writes the raw data and a text report under $BUILD/profile/. The server is
# started here on 127.0.0.1 and stopped by its pid.
set -euo pipefail
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.tcache_count=1000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${EXECD_BENCH_BUILD_DIR:-$ROOT/build-bench}"
MODE="${1:-perf}"
shift || true
OUT="$BUILD/profile"
mkdir -p "$OUT"
READY="$OUT/ready"
rm -f "$READY"
SERVER_FLAGS=(--grpc_address=127.0.0.1:0 --metrics_address=127.0.0.1:0
  --ready_file="$READY" --log_level=warning --shutdown_grace=0s)

case "$MODE" in
  perf)
    perf record -e cpu-clock -F 4000 -g -o "$OUT/perf.data" -- \
      "$BUILD/bin/execd" "${SERVER_FLAGS[@]}" 2> "$OUT/perf-record.log" &
    BENCH_FLAGS=(--scenarios="${EXECD_PROFILE_SCENARIOS:-streaming}") ;;
  callgrind)
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
      "$BUILD/bin/execd" "${SERVER_FLAGS[@]}" 2> "$OUT/callgrind.log" &
    BENCH_FLAGS=(--scenarios=streaming --quick) ;;
  *) echo "usage: $0 perf|callgrind" >&2; exit 2 ;;
esac
WRAPPER=$!
for _ in $(seq 600); do
  grep -q '^metrics=' "$READY" 2>/dev/null && break
  sleep 0.1
done
ADDRESS="$(sed -n 's/^grpc=//p' "$READY")"
SERVER="$(pgrep -P "$WRAPPER" -x execd || echo "$WRAPPER")"
"$BUILD/bin/execd-bench" --target="$ADDRESS" "${BENCH_FLAGS[@]}" "$@" \
  --json_out="$OUT/$MODE-bench.json" > "$OUT/$MODE-bench.txt"
kill -TERM "$SERVER"
wait "$WRAPPER" || true

if [[ "$MODE" == perf ]]; then
  perf report -i "$OUT/perf.data" --no-children -g none --sort dso,symbol \
    --stdio 2>/dev/null | grep -v '^$' | head -150 > "$OUT/perf-report.txt" || true
  perf report -i "$OUT/perf.data" --no-children -g none --sort dso --stdio \
    2>/dev/null | grep -v '^#' | grep -v '^$' | head -30 > "$OUT/perf-dso.txt" || true
  echo "see $OUT/perf-report.txt and $OUT/perf-dso.txt"
else
  callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null \
    | head -120 > "$OUT/callgrind-inclusive.txt" || true
  callgrind_annotate "$OUT/callgrind.out" 2>/dev/null \
    | head -80 > "$OUT/callgrind-self.txt" || true
  echo "see $OUT/callgrind-inclusive.txt and $OUT/callgrind-self.txt"
fi
