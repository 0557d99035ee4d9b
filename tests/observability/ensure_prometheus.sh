#!/usr/bin/env bash
# Test fixture: promtool and prometheus (Debian package `prometheus`) must be
# installed. Installs them when running as root with apt-get, else fails with
# the command to run.
set -euo pipefail

if [[ -x /usr/bin/promtool && -x /usr/bin/prometheus ]]; then
  exit 0
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing the Debian package prometheus (promtool, prometheus)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends prometheus ||
    { apt-get update -q && apt-get install -y -q --no-install-recommends prometheus; }
fi
if [[ -x /usr/bin/promtool && -x /usr/bin/prometheus ]]; then
  exit 0
fi
echo "FAIL: promtool/prometheus missing; run scripts/install-deps.sh" \
  "or: sudo apt-get install prometheus" >&2
exit 1
