#!/usr/bin/env bash
# Regenerates imports/ from the CRD files in crds/ (offline). cdk8s import handles one file per
# API group, so files of the same group are concatenated first.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for group in $(ls crds/*.yaml | xargs -n1 basename | sed 's/_.*//' | sort -u); do
  : > "$tmp/$group.yaml"
  for f in crds/${group}_*.yaml; do cat "$f" >> "$tmp/$group.yaml"; echo '---' >> "$tmp/$group.yaml"; done
  # cdk8s-cli exits non-zero after writing (its version check needs the network); check the output instead.
  npx cdk8s import --language typescript --output imports "$tmp/$group.yaml" >/dev/null 2>&1 || true
  test -s "imports/$group.ts" || { echo "import of $group failed" >&2; exit 1; }
done
