#!/usr/bin/env bash
# Renovate's post-upgrade task (renovate.json5): after an image bump in src/**/facts.ts or
# src/lib/images.ts, regenerate everything that prints the image, so the PR passes "dist equals a
# fresh synth" and the snapshot tests. The demo key is committed on purpose (examples/demo.agekey):
# dist/ is encrypted to it, and the synth keeps every encrypted Secret byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund
SOPS_AGE_KEY_FILE=examples/demo.agekey npm run synth
# The snapshots that hold image references: the single-node example's tree and the generated docs.
npx vitest run test/stack/examples.test.ts test/docs/docs.test.ts --update
