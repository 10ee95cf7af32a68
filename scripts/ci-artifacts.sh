#!/usr/bin/env bash
# CI recipe: run a pipeline (default: the smoke study) and export its report
# and per-cell provenance manifests to a folder for the CI system to upload.
#   scripts/ci-artifacts.sh [PIPELINE] [OUT_DIR]
# With ABLATE_REQUIRE_CACHED=1 it refuses to train (exit 3) and only
# re-renders from a restored cache: the mode for report-only CI jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
pipeline=${1:-pipelines/smoke.json}
out=${2:-ci-artifacts}
flags=(--reporter human)
if [ "${ABLATE_REQUIRE_CACHED:-0}" = 1 ]; then flags+=(--require-cached); fi
./bin/ablate.js run "$pipeline" "${flags[@]}"
rm -rf "$out"
./bin/ablate.js export "$pipeline" --out "$out"
echo "artifacts for upload: $out (manifest.json, artifacts/)"
