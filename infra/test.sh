#!/usr/bin/env bash
# The whole test suite from a clean checkout: installs what is missing (apt packages, pnpm, npm deps),
# starts PostgreSQL and Redis (stopping them again at the end if this script started them), then runs
# typecheck, lint, every package's unit + integration tests, the end-to-end test and the browser tests.
# Ends with one line "Tests: N passed, N failed".
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$INFERBENCH_ROOT"
started=$(date +%s)

bash infra/setup.sh --browser

services_were_up=0
if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then services_were_up=1; fi
PG_FAST=1 bash infra/services.sh up
if [[ $services_were_up == 0 ]]; then trap 'bash infra/services.sh down' EXIT; fi

results="$(data_dir)/test-results"; rm -rf "$results"; mkdir -p "$results"
export INFERBENCH_TEST_RESULTS="$results"

log "typecheck"
pnpm exec turbo run typecheck --output-logs=errors-only
log "lint and format"
pnpm exec oxlint --deny-warnings
node infra/check-deps.mjs   # package and module boundaries (.dependency-cruiser.cjs)
pnpm exec prettier --check . --log-level warn

log "building the dashboard for the browser tests"
pnpm --filter @inferbench/web build >"$results/web-build.log" 2>&1 || { tail -40 "$results/web-build.log"; die "dashboard build failed"; }

log "tests (unit, integration, end-to-end, browser)"
status=0
# One package at a time: several tests measure timing, and this machine has 2 cores.
pnpm exec turbo run test --concurrency=1 --force --continue --output-logs=full || status=$?

node infra/sum-test-results.mjs "$results" || status=1
log "test suite took $(( $(date +%s) - started )) s"
exit $status
