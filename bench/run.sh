#!/bin/bash
# One command for the performance figures: builds execd-bench if needed, runs
# it and the Python baseline back to back, and prints the combined table with
# ratios (--update-doc also writes it into docs/performance.md).
#   bench/run.sh [--quick] [--update-doc] [--no-build] [-- execd-bench flags]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${EXECD_BENCH_BUILD_DIR:-$ROOT/build-bench}"
QUICK=""
UPDATE_DOC=0
BUILD_FIRST=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK="--quick"; shift ;;
    --update-doc) UPDATE_DOC=1; shift ;;
    --no-build) BUILD_FIRST=0; shift ;;
    --) shift; break ;;
    *) echo "usage: $0 [--quick] [--update-doc] [--no-build] [-- bench flags]" >&2
       exit 2 ;;
  esac
done

if [[ $BUILD_FIRST -eq 1 ]]; then
  # Configured every time (quick once cached): the parts a bench needs are
  # set here, whatever an older configuration of $BUILD left out.
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DEXECD_SKIP_PARTS="integration" >/dev/null
  cmake --build "$BUILD" --target execd-bench -j"$(nproc)"
fi

OUT="$BUILD/bench-results"
mkdir -p "$OUT"
# The allocator setting execd ships with (Dockerfile, scripts/run-server.sh);
# execd-bench passes it on to the servers it starts.
GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.tcache_count=1000}" \
"$BUILD/bin/execd-bench" $QUICK --json_out="$OUT/bench.json" "$@" \
  > "$OUT/bench-table.txt"
/usr/bin/python3 "$ROOT/bench/python_baseline.py" $QUICK \
  --json_out="$OUT/python.json"
/usr/bin/python3 "$ROOT/bench/compare.py" "$OUT/bench.json" \
  "$OUT/python.json" > "$OUT/results.md"

if [[ $UPDATE_DOC -eq 1 ]]; then
  /usr/bin/python3 - "$ROOT/docs/performance.md" "$OUT/results.md" <<'PY'
import sys
doc_path, results_path = sys.argv[1], sys.argv[2]
begin, end = "<!-- BEGIN MEASURED RESULTS -->", "<!-- END MEASURED RESULTS -->"
doc = open(doc_path).read()
results = open(results_path).read().rstrip("\n")
head, rest = doc.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc_path, "w").write(head + begin + "\n" + results + "\n" + end + tail)
PY
  echo "updated docs/performance.md"
fi
cat "$OUT/results.md"
