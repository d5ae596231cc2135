#!/usr/bin/env bash
# Measures the workflows plugin and prints:
#  - POST /api/v1/workflows with a 50-step workflow, and GET of it: requests/s
#    and p99 (wrk, 2 threads, 64 connections);
#  - validation of a 1,000-node graph: time per validation.
# Usage: bench/workflows_bench.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
duration=${1:-10}
bench_prepare wrk python3 curl
start_host "$work" "$bench_build/lib/orchestrator/plugins" \
  ORCH_RATELIMIT__ENABLED=false ORCH_ADMIN_EMAIL=bench@example.com ORCH_ADMIN_PASSWORD=bench-password-42
api="http://127.0.0.1:$HOST_PORT/api/v1"
token=$(bench_token "$api")

python3 - "$work/workflow.json" <<'PY'
import json, sys
steps = []
for i in range(50):
    step = {"id": f"s{i}", "type": "ai_prompt" if i % 2 else "delay",
            "config": {"prompt": f"Step {i}: summarize {{{{input}}}}", "max_tokens": 300} if i % 2 else {"seconds": 1}}
    if i: step["dependencies"] = [f"s{i-1}"]
    steps.append(step)
json.dump({"name": "fifty steps", "category": "bench", "steps": steps}, open(sys.argv[1], "w"))
PY
id=$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @"$work/workflow.json" "$api/workflows" |
     python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
local f = io.open("$work/workflow.json", "r")
wrk.body = f:read("*a")
f:close()
LUA
read -r post_rps post_p50 post_p99 post_errors < <(wrk_figures "$api/workflows" "$duration" -s "$work/post.lua")
read -r get_rps get_p50 get_p99 get_errors < <(wrk_figures "$api/workflows/$id" "$duration" -H "Authorization: Bearer $token")

cat <<REPORT
workflows benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), SQLite)
  50-step workflow, wrk 2 threads, 64 connections, ${duration} s each:
    POST /workflows      $post_rps requests/s, p50 $post_p50, p99 $post_p99, errors $post_errors
    GET /workflows/{id}  $get_rps requests/s, p50 $get_p50, p99 $get_p99, errors $get_errors
  $(build/bin/workflow_validation_bench)
REPORT
