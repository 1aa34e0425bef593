#!/usr/bin/env bash
# Regenerates imports/k8s.ts: `cdk8s import` of Kubernetes 1.34 from the official OpenAPI
# document in schemas/kubernetes/ (offline; see scripts/import-k8s.cjs).
set -euo pipefail
cd "$(dirname "$0")/.."
# The upgrade check needs the network; the output is checked instead of trusting the exit code.
NODE_OPTIONS="--require $PWD/scripts/import-k8s.cjs" npx cdk8s import k8s@1.34.0 --no-check-upgrade --language typescript --output imports >/dev/null 2>&1 || true
git checkout --quiet -- cdk8s.yaml 2>/dev/null || true  # cdk8s import records itself in cdk8s.yaml; the bench flow does not need it
test -s imports/k8s.ts || { echo "import of k8s 1.34 failed" >&2; exit 1; }
