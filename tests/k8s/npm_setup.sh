#!/usr/bin/env bash
# Installs the validator's npm packages (package.json + package-lock.json of
# tests/k8s/validate) into a folder of the build dir with `npm ci`, unless the
# same lock file is installed there already.
#   npm_setup.sh <tests/k8s/validate> <build dir folder>
set -euo pipefail
src=$1
dest=$2
if ! command -v npm >/dev/null; then
  echo "FAIL: npm not found: it installs the schema packages" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
stamp="$dest/node_modules/.execd-lock-sha256"
sum=$(sha256sum "$dest/package-lock.json" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
  echo "npm packages up to date in $dest"
  exit 0
fi
cd "$dest"
npm ci --no-audit --no-fund --loglevel=error
echo "$sum" >"$stamp"
echo "npm packages installed in $dest"
