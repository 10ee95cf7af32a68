#!/usr/bin/env bash
# CI recipe: run a pipeline (default: the smoke study) and export its report
# and per-cell provenance manifests to a folder for the CI system to upload.
#   scripts/ci-artifacts.sh [PIPELINE] [OUT_DIR]
# With ABLATE_REQUIRE_CACHED=1 it refuses to train (exit 3) and only
# re-renders from a restored cache: the mode for report-only CI jobs.
# With a remote configured (ABLATE_REMOTE, or "remote" in ablate.config.json)
# it first pulls the pipeline's cells from it: that is how the cache is restored.
set -euo pipefail
cd "$(dirname "$0")/.."
pipeline=${1:-pipelines/smoke.json}
out=${2:-ci-artifacts}
flags=(--reporter human)
if [ "${ABLATE_REQUIRE_CACHED:-0}" = 1 ]; then flags+=(--require-cached); fi
if [ -n "${ABLATE_REMOTE:-}" ] || { [ -f ablate.config.json ] && grep -q '"remote"' ablate.config.json; }; then
  # A failed or partial pull is not the end: the run computes (or, with
  # --require-cached, refuses with exit 3 and names) whatever is still missing.
  ./bin/ablate.js pull "$pipeline" || echo "warning: pull from the remote was incomplete (exit $?)" >&2
fi
./bin/ablate.js run "$pipeline" "${flags[@]}"
rm -rf "$out"
./bin/ablate.js export "$pipeline" --out "$out"
echo "artifacts for upload: $out (manifest.json, artifacts/)"
