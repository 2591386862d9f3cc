# Shared settings for the infra scripts. Source it; do not run it.
# Every value can be overridden from the environment (see README "Configuration").
set -euo pipefail
INFERBENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export INFERBENCH_ROOT
export PG_PORT="${PG_PORT:-55432}"
export REDIS_PORT="${REDIS_PORT:-56379}"
export PG_DB="${PG_DB:-inferbench}"
export API_PORT="${API_PORT:-4000}"
export WEB_PORT="${WEB_PORT:-3000}"
export SIM_PORT="${SIM_PORT:-8100}"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:${PG_PORT}/${PG_DB}}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:${REDIS_PORT}}"
export NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1 PRISMA_HIDE_UPDATE_MESSAGE=1
PNPM_VERSION="12.4.2"

# Data lives under the project (.data/) unless the service users cannot reach it (a checkout under a
# private home directory, for example); then under /var/tmp, in a folder named after the checkout path.
data_dir() {
  if [[ -n "${INFERBENCH_DATA_DIR:-}" ]]; then echo "$INFERBENCH_DATA_DIR"; return; fi
  local d="$INFERBENCH_ROOT/.data"
  mkdir -p "$d"; chmod 755 "$d"
  if id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
    d="/var/tmp/inferbench-$(printf '%s' "$INFERBENCH_ROOT" | md5sum | cut -c1-10)"
    mkdir -p "$d"; chmod 755 "$d"
  fi
  echo "$d"
}

log() { printf '\033[1;34m[inferbench]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[inferbench] error:\033[0m %s\n' "$*" >&2; exit 1; }

pg_bin_dir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  done
  return 1
}

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand (see README)"
  if [[ $APT_UPDATED -eq 0 ]]; then log "apt-get update"; as_root apt-get update -qq; APT_UPDATED=1; fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

wait_for() { # wait_for <seconds> <description> <command...>
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < end )) || die "timed out after ${secs}s waiting for $what"
    sleep 0.2
  done
}
