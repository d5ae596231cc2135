#!/usr/bin/env bash
# Measures agent runs (plugin agents) end to end on SQLite and prints:
#  - agent runs/s: POST /api/execute of one active agent whose definition is
#    a 3-step `transform` graph (wrk 2 threads, 32 connections), counted from
#    the first run's start to the last run's end, everything persisted (the
#    run, the agent's figures, the execution, its steps);
#  - what the agents layer adds: host CPU per agent run (user + system, from
#    /proc) minus host CPU per execution of the same workflow triggered
#    directly (POST /workflows/{id}/execute), in the same host.
# The tool-calling loop's per-turn figure (issue 18's target) needs that loop,
# which is not built yet.
# Usage: bench/agents_bench.sh [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
duration=${1:-10}
bench_prepare wrk python3 curl

start_host "$work" "$bench_build/lib/orchestrator/plugins" ORCH_RATELIMIT__ENABLED=false \
  ORCH_ADMIN_EMAIL=bench@example.com ORCH_ADMIN_PASSWORD=bench-password-42
root="http://127.0.0.1:$HOST_PORT"
token=$(bench_token "$root/api/v1")
read -r agent workflow < <(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$root/api/v1/agents" -d '{
  "name": "bench", "status": "active", "framework": "native",
  "definition": {"nodes": [{"id": "s0", "type": "transform", "data": {"mapping": {"greeting": "Hello {{name}}"}}},
                           {"id": "s1", "type": "transform", "data": {"mapping": {"greeting": "{{steps.s0.output.greeting}}"}}},
                           {"id": "s2", "type": "transform", "data": {"mapping": {"greeting": "{{steps.s1.output.greeting}}"}}}],
                 "edges": [{"source": "s0", "target": "s1"}, {"source": "s1", "target": "s2"}]}}' |
  python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["id"], a["workflow_id"])')

# load URL BODY: wrk for $duration s; prints the host CPU seconds it cost, once nothing is left running.
load() {
  post_script "$token" "$2"
  local before
  before=$(cpu_ticks "$HOST_PID")
  wrk -t2 -c32 -d"${duration}s" -s "$work/post.lua" "$1" >"$work/wrk.txt"
  wait_for_executions "$root/api/v1" "$token" "$workflow"
  sleep 0.5 # the agents plugin counts each end just after it
  python3 -c "print(($(cpu_ticks "$HOST_PID") - $before) / $(getconf CLK_TCK))"
}

echo "agents benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), ${duration} s of load per case)"
direct_cpu=$(load "$root/api/v1/workflows/$workflow/execute" '{"input_data": {"name": "Ada"}}')
direct=$(python3 -c "import sqlite3; print(sqlite3.connect('$work/data/orchestrator.db').execute(\"SELECT COUNT(*) FROM wf_executions WHERE workflow_id = '$workflow'\").fetchone()[0])")
agent_cpu=$(load "$root/api/execute" "{\"agent_ids\": [\"$agent\"], \"input\": {\"name\": \"Ada\"}}")
python3 - "$work/data/orchestrator.db" "$agent" "$direct" "$direct_cpu" "$agent_cpu" <<'PY'
import datetime, sqlite3, sys
path, agent, direct, direct_cpu, agent_cpu = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
db = sqlite3.connect(path)
total, done, first, last = db.execute(
    "SELECT COUNT(*), SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), MIN(started_at), MAX(completed_at) FROM ag_runs").fetchone()
counted = db.execute("SELECT total_executions FROM ag_agents WHERE id = ?", (agent,)).fetchone()[0]
parse = lambda t: datetime.datetime.strptime(t.replace("Z", ""), "%Y-%m-%dT%H:%M:%S.%f" if "." in t else "%Y-%m-%dT%H:%M:%S")
span = (parse(last) - parse(first)).total_seconds()
per_run, per_direct = agent_cpu / max(done, 1) * 1e6, direct_cpu / max(direct, 1) * 1e6
print(f"  agent runs (1 agent, 3 steps, SQLite): {done / span:.0f} runs/s ({done} of {total} runs ended in {span:.2f} s; "
      f"the agent counts {counted} executions)")
print(f"  host CPU per agent run {per_run:.0f} µs, per direct execution of its workflow {per_direct:.0f} µs "
      f"({direct} executions): the agents layer adds {per_run - per_direct:.0f} µs")
PY
