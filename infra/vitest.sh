#!/usr/bin/env bash
# Each package's `test` script: vitest run, plus a JSON report for infra/sum-test-results.mjs when
# INFERBENCH_TEST_RESULTS is set (infra/test.sh sets it).
set -euo pipefail
name=$(node -p 'require("./package.json").name.replace(/[@/]/g, "_")')
if [[ -n "${INFERBENCH_TEST_RESULTS:-}" ]]; then
  exec npx vitest run --passWithNoTests --reporter=default --reporter=json \
    --outputFile.json="$INFERBENCH_TEST_RESULTS/$name.json" "$@"
fi
exec npx vitest run --passWithNoTests "$@"
