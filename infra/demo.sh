#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu machine with Node 20: install what is missing, start
# PostgreSQL, Redis, the simulator, the API, an agent and the dashboard, seed a demo experiment
# (two variants on the simulator), run it, print its summary and the dashboard URL, and keep the
# stack up until Ctrl-C. DEMO_EXIT=1 stops everything after the summary (used to time the demo).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$INFERBENCH_ROOT"
started=$(date +%s)

bash infra/setup.sh
services_were_up=0
if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then services_were_up=1; fi
bash infra/services.sh up
log "migrating the database"
pnpm --filter @inferbench/db migrate | tail -1

logs="$(data_dir)/logs"; mkdir -p "$logs"
for port in "$SIM_PORT" "$API_PORT" "$WEB_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is already in use (another demo still running?). Stop it, or set SIM_PORT/API_PORT/WEB_PORT."
  fi
done

# Rebuild the dashboard only when a source it is built from is newer than the last build.
web_build_id=apps/web/.next/BUILD_ID
if [[ -f $web_build_id ]] && [[ -z $(find apps/web/src apps/web/next.config.ts packages/contracts/src packages/api-client/src \
    -newer "$web_build_id" -type f -print -quit) ]]; then
  log "dashboard build is up to date"
else
  log "building the dashboard"
  pnpm --filter @inferbench/web build >"$logs/web-build.log" 2>&1 || { tail -30 "$logs/web-build.log"; die "dashboard build failed"; }
fi

pids=()
cleanup() {
  log "stopping the demo stack"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # PostgreSQL and Redis keep running when they were already up before the demo (someone else uses them).
  if [[ $services_were_up == 0 ]]; then bash infra/services.sh down; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() { # start <name> <dir> <command...>
  local name=$1 dir=$2; shift 2
  (cd "$dir" && exec "$@") >"$logs/$name.log" 2>&1 &
  pids+=($!)
}
export API_URL="http://127.0.0.1:$API_PORT" INFERBENCH_API_URL="http://127.0.0.1:$API_PORT"
# Secrets: a SECRET_KEY kept with the demo's data (so stored target keys stay readable across runs) and a fresh
# bootstrap token for this session only, which the seed script and the CLI use (INFERBENCH_TOKEN). People sign in
# with the admin the seed script creates on the first run (printed once below).
secret_file="$(data_dir)/secret_key"
[[ -s $secret_file ]] || (umask 077 && node -e "console.log(require('crypto').randomBytes(32).toString('hex'))" >"$secret_file")
export SECRET_KEY=${SECRET_KEY:-$(cat "$secret_file")}
INFERBENCH_BOOTSTRAP_TOKEN=$(node -e "console.log(require('crypto').randomBytes(24).toString('hex'))")
export INFERBENCH_BOOTSTRAP_TOKEN INFERBENCH_TOKEN=$INFERBENCH_BOOTSTRAP_TOKEN
start sim apps/sim pnpm exec tsx src/main.ts
# the admin is created (and its one-time sign-in printed here) by the seed script, not by the API at boot
start api apps/api env -u INFERBENCH_ADMIN_EMAIL -u INFERBENCH_ADMIN_PASSWORD pnpm exec tsx src/main.ts
start web apps/web pnpm exec next start -p "$WEB_PORT" -H 127.0.0.1

wait_for 60 "the simulator (log: $logs/sim.log)" curl -fsS "http://127.0.0.1:$SIM_PORT/health"
wait_for 90 "the API (log: $logs/api.log)" curl -fsS "$API_URL/ready"
# the agent's credential for pool `default` (signs what it sends; fetches target keys from the API)
AGENT_TOKEN=$(node infra/seed-demo.mjs agent-token) || die "cannot create the agent credential"
export AGENT_TOKEN
start agent apps/agent pnpm exec tsx src/main.ts
wait_for 60 "the agent to register (log: $logs/agent.log)" bash -c "curl -fsS -H 'authorization: Bearer $INFERBENCH_TOKEN' $API_URL/agents | grep -q '\"state\":\"idle\"'"
wait_for 60 "the dashboard (log: $logs/web.log)" curl -fsS -o /dev/null "http://127.0.0.1:$WEB_PORT/"

log "seeding the demo experiment"
exp_id=$(node infra/seed-demo.mjs) || die "seeding failed"
log "running it (fp16 vs int4-awq, concurrency 1, 4, 8)"
run_status=0
node apps/cli/bin/inferbench.js run start "$exp_id" --wait --trigger api --meta source=demo || run_status=$?

log "demo finished in $(( $(date +%s) - started )) s (run exit code $run_status)"
echo
echo "  Dashboard:  http://127.0.0.1:$WEB_PORT/experiments/$exp_id"
echo "  API docs:   $API_URL/docs"
echo "  Logs:       $logs"
echo
if [[ "${DEMO_EXIT:-0}" == 1 ]]; then exit $run_status; fi
log "the stack stays up; press Ctrl-C to stop it"
while true; do sleep 3600; done
