#!/usr/bin/env bash
# Renders one kustomize overlay with `kubectl kustomize`; fails (never skips)
# when kubectl is missing.   render.sh <overlay dir>
set -euo pipefail
kubectl=${KUBECTL:-}
if [[ -z "$kubectl" ]]; then
  kubectl=$(command -v kubectl || true)
fi
if [[ -z "$kubectl" || ! -x "$kubectl" ]]; then
  echo "FAIL: kubectl not found (\$KUBECTL or \$PATH): it renders the" \
       "kustomize overlays; install kubectl" >&2
  exit 1
fi
out=$("$kubectl" kustomize "$1")
count=$(grep -c '^kind: ' <<<"$out" || true)
if ((count == 0)); then
  echo "FAIL: $1 rendered no objects" >&2
  exit 1
fi
echo "$1: $count objects:" $(grep '^kind: ' <<<"$out" | cut -d' ' -f2)
