#!/usr/bin/env bash
# Builds and starts the execd server with embedded defaults
# (gRPC on :50051, metrics on :9090). Flags are passed through, e.g.
#   scripts/run-server.sh --threads=10 --exec_allow=/bin/echo
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --target execd execd-worker execctl
# Task records and events are allocated on one thread and freed on another;
# a deeper per-thread malloc cache cuts server CPU per task (see
# docs/performance.md). glibc reads this only when a process starts.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.tcache_count=1000}"
exec build/bin/execd "$@"
