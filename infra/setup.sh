#!/usr/bin/env bash
# Install everything inferbench needs on a Debian/Ubuntu machine with Node 20, idempotently:
# system packages (PostgreSQL when no binaries exist, Redis, Chromium with --browser), pnpm (pinned),
# the workspace's npm dependencies, and the generated Prisma client.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$INFERBENCH_ROOT"

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
(( node_major >= 20 )) || die "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))"

bash infra/services.sh deps "$@"

if [[ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]]; then
  log "installing pnpm $PNPM_VERSION"
  npm install -g -E "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || as_root npm install -g -E "pnpm@$PNPM_VERSION" >/dev/null
fi

log "installing npm dependencies (pnpm install --frozen-lockfile)"
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | grep -vE '^(Progress|Downloading)' | tail -5 || die "pnpm install failed"

log "generating the Prisma client"
pnpm --filter @inferbench/db generate >/dev/null
