#!/usr/bin/env bash
# Builds and starts the execd server with embedded defaults
# (gRPC on :50051, metrics on :9090). Flags are passed through, e.g.
#   scripts/run-server.sh --threads=10 --exec_allow=/bin/echo
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --target execd execd-worker execctl
exec build/bin/execd "$@"
