#!/usr/bin/env bash
# Measures the execution engine end to end and prints, on SQLite and on
# PostgreSQL:
#  - executions/s: a 3-step workflow of `transform` steps, triggered over HTTP
#    (POST /workflows/{id}/execute, async, wrk 2 threads, 32 connections),
#    counted from the first trigger to the last execution's completion,
#    everything persisted (execution, step rows, queue);
#  - engine overhead per step: the same run with 1 step and with 11 steps per
#    workflow; (host CPU time per execution with 11 - with 1) / 10, read from
#    /proc (user + system), so it holds the engine's own work and its writes
#    per step but not wrk's (nor, on PostgreSQL, the server's); the wall-clock figure (time per execution x
#    cores, wrk and idle time included) is printed beside it.
# Usage: bench/executions_bench.sh [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
duration=${1:-10}
bench_extra_cleanup() { [ ! -d "$work/pg" ] || scripts/lib/postgres.sh stop "$work/pg" >/dev/null 2>&1; }
bench_prepare wrk python3 curl

# run_case LABEL STEPS [ENV...]: starts a host, runs the load, prints "executions/s".
run_case() {
  local steps=$1
  shift
  rm -rf "$work/data"
  start_host "$work" "$bench_build/lib/orchestrator/plugins" ORCH_RATELIMIT__ENABLED=false \
    ORCH_ADMIN_EMAIL=bench@example.com ORCH_ADMIN_PASSWORD=bench-password-42 "$@"
  local api="http://127.0.0.1:$HOST_PORT/api/v1"
  local token
  token=$(bench_token "$api")
  local workflow
  workflow=$(python3 -c '
import json, sys
n = int(sys.argv[1])
steps = [{"id": "s0", "type": "transform", "config": {"mapping": {"greeting": "Hello {{name}}"}}}]
for i in range(1, n):
    steps.append({"id": f"s{i}", "type": "transform", "dependencies": [f"s{i-1}"],
                  "config": {"mapping": {"greeting": "{{steps.s%d.output.greeting}}" % (i - 1), "step": i}}})
print(json.dumps({"name": f"{n} transforms", "steps": steps}))' "$steps")
  local id
  id=$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$workflow" "$api/workflows" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  post_script "$token" '{"input_data": {"name": "Ada"}}'
  local ticks_before
  ticks_before=$(cpu_ticks "$HOST_PID")
  wrk -t2 -c32 -d"${duration}s" -s "$work/post.lua" "$api/workflows/$id/execute" >"$work/wrk.txt"
  # Wait for the backlog, then read the span from the first trigger to the last completion.
  wait_for_executions "$api" "$token" "$id"
  local used_ticks=$(($(cpu_ticks "$HOST_PID") - ticks_before))
  kill "$HOST_PID"
  wait "$HOST_PID" 2>/dev/null || true
  HOST_PID=
  local db_url=${ORCH_STORAGE__URL_FOR_READ:-}
  python3 - "$work/data/orchestrator.db" "$id" "$db_url" "$used_ticks" "$(getconf CLK_TCK)" <<'PY'
import sys, datetime
path, workflow, url = sys.argv[1:4]
cpu_seconds = int(sys.argv[4]) / int(sys.argv[5])
query = ("SELECT COUNT(*), MIN(created_at), MAX(completed_at), SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) "
         "FROM wf_executions WHERE workflow_id = '%s'" % workflow)
if url:
    import subprocess
    out = subprocess.run(["psql", url, "-At", "-F", "|", "-c", query], capture_output=True, text=True, check=True).stdout
    total, first, last, completed = out.strip().split("|")
else:
    import sqlite3
    total, first, last, completed = sqlite3.connect(path).execute(query).fetchone()
parse = lambda t: datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")
span = (parse(last) - parse(first)).total_seconds()
print(f"{int(completed) / span:.0f} {completed} {total} {span:.2f} {cpu_seconds / int(completed) * 1e6:.1f}")
PY
}

report() {
  local label=$1
  shift
  read -r rate3 completed3 total3 span3 _ < <(run_case 3 "$@")
  read -r rate1 _ _ _ cpu1 < <(run_case 1 "$@")
  read -r rate11 _ _ _ cpu11 < <(run_case 11 "$@")
  local per_step wall_per_step
  per_step=$(python3 -c "print(f'{($cpu11 - $cpu1) / 10:.1f}')")
  wall_per_step=$(python3 -c "print(f'{(1/$rate11 - 1/$rate1) / 10 * 1e6 * $(nproc):.1f}')")
  echo "  $label: $rate3 executions/s (3 steps; $completed3 of $total3 completed in ${span3} s);" \
    "1 step $rate1/s, 11 steps $rate11/s: $per_step µs of host CPU per extra step" \
    "($wall_per_step µs of wall time x cores)"
}

echo "execution engine benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), ${duration} s of load per case)"
report "SQLite    "
scripts/lib/postgres.sh start "$work/pg" >/dev/null
url=$(cat "$work/pg/url")
ORCH_STORAGE__URL_FOR_READ=$url report "PostgreSQL" ORCH_STORAGE__URL="$url"
