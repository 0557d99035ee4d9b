#!/bin/bash
# Runs client/node/example.js against a real execd on 127.0.0.1.
# usage: node_example_test.sh NODE_SOURCE_DIR WORK_DIR BIN_DIR
# Exits 77 (skipped) only when npm or node is missing.
set -euo pipefail
source_dir=$1
work_dir=$2
bin_dir=$3

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "SKIPPED: npm/node not installed"
  exit 77
fi

# Install into the build folder, never into the source tree; reinstall only
# when the lock file changed.
mkdir -p "$work_dir"
if ! cmp -s "$source_dir/package-lock.json" "$work_dir/package-lock.json" ||
   [ ! -d "$work_dir/node_modules/@grpc/grpc-js" ]; then
  cp "$source_dir/package.json" "$source_dir/package-lock.json" "$work_dir/"
  (cd "$work_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

tmp=$(mktemp -d)
"$bin_dir/execd" --grpc_address=127.0.0.1:0 --metrics_address=127.0.0.1:0 \
  --ready_file="$tmp/ready" --threads=3 >"$tmp/server.log" 2>&1 &
server_pid=$!
stop_server() {
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap stop_server EXIT

for _ in $(seq 1 300); do
  grep -q '^metrics=' "$tmp/ready" 2>/dev/null && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "execd exited early:"; cat "$tmp/server.log"; exit 1
  fi
  sleep 0.1
done
target=$(sed -n 's/^grpc=//p' "$tmp/ready")
[ -n "$target" ] || { echo "execd not ready:"; cat "$tmp/server.log"; exit 1; }

NODE_PATH="$work_dir/node_modules" EXECD_TARGET="$target" \
  timeout 120 node "$source_dir/example.js"
