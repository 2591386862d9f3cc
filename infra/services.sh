#!/usr/bin/env bash
# Install (when missing), start, stop PostgreSQL and Redis for inferbench on loopback ports.
#   infra/services.sh deps   install system packages (postgresql if no binaries, redis-server, chromium with --browser)
#   infra/services.sh up     start both (idempotent), create the database, wait until ready
#   infra/services.sh down   stop both (idempotent)
#   infra/services.sh status
# PG_FAST=1 starts PostgreSQL with fsync/synchronous_commit/full_page_writes off (tests only).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deps() {
  local want=()
  pg_bin_dir >/dev/null || want+=(postgresql)
  command -v redis-server >/dev/null || want+=(redis-server)
  if [[ "${1:-}" == "--browser" ]]; then
    [[ -x /usr/bin/chromium ]] || want+=(chromium)
  fi
  if ((${#want[@]})); then apt_install "${want[@]}"; fi
  id postgres >/dev/null 2>&1 || as_root useradd --system --no-create-home --shell /usr/sbin/nologin postgres
}

pg_up() {
  local bin data logf
  bin=$(pg_bin_dir) || die "PostgreSQL binaries not found (run: infra/services.sh deps)"
  data="$(data_dir)/pg"; logf="$(data_dir)/pg.log"
  if [[ ! -s "$data/PG_VERSION" ]] && ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    log "initdb $data"
    mkdir -p "$data"; chown postgres "$data"; chmod 700 "$data"
    runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  touch "$logf"; chown postgres "$logf"
  mkdir -p "$(data_dir)/sock"; chown postgres "$(data_dir)/sock"
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    local opts="-p $PG_PORT -c listen_addresses=127.0.0.1 -k $(data_dir)/sock -c max_connections=300 -c shared_buffers=256MB"
    if [[ "${PG_FAST:-0}" == 1 ]]; then opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT (data $data)"
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$logf" -o "$opts" -w -t 60 start >/dev/null \
      || { tail -20 "$logf" >&2; die "PostgreSQL did not start"; }
  fi
  wait_for 30 "PostgreSQL" "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT"
  if ! "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname='$PG_DB'" | grep -q 1; then
    "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "create database \"$PG_DB\"" >/dev/null
  fi
}

pg_down() {
  local bin data; bin=$(pg_bin_dir) || return 0; data="$(data_dir)/pg"
  [[ -s "$data/PG_VERSION" ]] || return 0
  if runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "stopping PostgreSQL"
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
}

redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

redis_up() {
  command -v redis-server >/dev/null || die "redis-server not found (run: infra/services.sh deps)"
  local dir user=root; dir="$(data_dir)/redis"; mkdir -p "$dir"
  id redis >/dev/null 2>&1 && user=redis
  chown "$user" "$dir"
  if redis_cli ping 2>/dev/null | grep -q PONG; then
    log "Redis already running on 127.0.0.1:$REDIS_PORT"
  else
    log "starting Redis on 127.0.0.1:$REDIS_PORT as $user"
    # appendonly keeps queued jobs and sample batches across a Redis restart; fsync once a second.
    runuser -u "$user" -- redis-server --daemonize yes --port "$REDIS_PORT" --bind 127.0.0.1 \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
      --save "" --appendonly yes --appendfsync everysec --maxmemory-policy noeviction
  fi
  wait_for 20 "Redis" bash -c "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping | grep -q PONG"
}

redis_down() {
  command -v redis-cli >/dev/null || return 0
  if redis_cli ping 2>/dev/null | grep -q PONG; then
    log "stopping Redis"; redis_cli shutdown nosave >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  deps) shift; deps "$@" ;;
  up) deps; pg_up; redis_up; log "services ready: DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL" ;;
  down) redis_down; pg_down ;;
  status)
    bin=$(pg_bin_dir) && "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT" || true
    redis_cli ping 2>/dev/null || echo "redis: not running" ;;
  *) echo "usage: $0 deps [--browser] | up | down | status" >&2; exit 2 ;;
esac
