#!/usr/bin/env bash
# Measures the analytics routes over a year of history on SQLite: one user's
# 1,000,000 finished executions of 10 three-step workflows (each step a row),
# and 200,000 AI calls on three models, spread over the last 365 days. The
# workflows are made through the API; the executions, steps and calls are
# written straight to the database (running a million executions would
# measure the engine) while the host is stopped, as if they had run before
# the plugin was installed; started again, the plugin rolls them up from its
# feeds: the time that takes is printed too.
# Then wrk (2 threads; 4 and 64 connections) on:
#  - GET analytics/dashboard;
#  - GET analytics/metrics?type=execution_count&interval=1d over the year (366 points);
#  - GET analytics/metrics?type=latency_p95&interval=1h over the last day;
#  - GET analytics/workflows/{id}/metrics (percentiles, steps, 30 days).
# Target on 2 cores: p99 at most 50 ms.
# Usage: bench/analytics_bench.sh [seconds=10] [executions=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
duration=${1:-10}
executions=${2:-1000000}
bench_prepare wrk python3 curl
start_host "$work" "$bench_build/lib/orchestrator/plugins" \
  ORCH_RATELIMIT__ENABLED=false ORCH_ADMIN_EMAIL=bench@example.com ORCH_ADMIN_PASSWORD=bench-password-42
api="http://127.0.0.1:$HOST_PORT/api/v1"
curl -s -H 'Content-Type: application/json' -d '{"email":"analyst@example.com","password":"a long passphrase 7"}' \
  "$api/auth/register" >/dev/null
token=$(curl -s -H 'Content-Type: application/json' -d '{"email":"analyst@example.com","password":"a long passphrase 7"}' \
  "$api/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

workflows=$(python3 - "$api" "$token" <<'PY'
import json, sys, urllib.request
api, token = sys.argv[1], sys.argv[2]
def call(method, route, body=None):
    request = urllib.request.Request(api + route, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())
steps = [{"id": "fetch", "type": "transform", "config": {"mapping": {"a": 1}}},
         {"id": "think", "type": "transform", "config": {"mapping": {"b": 2}}, "dependencies": ["fetch"]},
         {"id": "send", "type": "transform", "config": {"mapping": {"c": 3}}, "dependencies": ["think"]}]
print(call("GET", "/auth/me")["id"], *[call("POST", "/workflows", {"name": f"Workflow {i}", "steps": steps})["id"] for i in range(10)])
PY
)
kill "$HOST_PID"
while kill -0 "$HOST_PID" 2>/dev/null; do sleep 0.1; done

read -r workflow seeded_s < <(python3 - "$work/data/orchestrator.db" "$executions" $workflows <<'PY'
import json, random, sqlite3, sys, time, uuid
from datetime import datetime, timezone
path, count, me, workflows = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
started = time.monotonic()
db = sqlite3.connect(path, timeout=60)
db.execute("PRAGMA synchronous = OFF")
random.seed(11)
now = int(time.time() * 1000)
year = 365 * 86400 * 1000
def text(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
batch, step_rows = [], []
for i in range(count):
    eid = str(uuid.UUID(int=random.getrandbits(128)))
    done = now - random.randint(60000, year)
    duration = int(random.lognormvariate(4.5, 1.0)) + 1
    status = "failed" if random.random() < 0.03 else "completed"
    begun = done - duration
    batch.append((eid, random.choice(workflows), "1.0.0", me, json.dumps({"id": me}), status, 5, "async", "{}", "{}", 0, eid, 1,
                  text(begun), text(begun), begun, text(done), duration))
    third = duration // 3
    for n, step in enumerate(["fetch", "think", "send"]):
        state = "failed" if status == "failed" and n == 2 else "completed"
        step_rows.append((eid, step, 1, 1, n + 1, state, 1, text(begun + n * third), text(begun + (n + 1) * third),
                          0, 0.0))
    if len(batch) == 50000:
        db.executemany("INSERT INTO wf_executions (id, workflow_id, workflow_version, owner_id, principal, status, priority, "
                       "execution_mode, input, metadata, retry_count, correlation_id, attempt, created_at, started_at, "
                       "started_ms, completed_at, duration_ms) VALUES (" + ", ".join("?" * 18) + ")", batch)
        db.executemany("INSERT INTO wf_execution_steps (execution_id, step_id, iteration, pass, seq, status, attempts, "
                       "started_at, completed_at, tokens_used, cost) VALUES (" + ", ".join("?" * 11) + ")", step_rows)
        db.commit()
        batch, step_rows = [], []
if batch:
    db.executemany("INSERT INTO wf_executions (id, workflow_id, workflow_version, owner_id, principal, status, priority, "
                   "execution_mode, input, metadata, retry_count, correlation_id, attempt, created_at, started_at, "
                   "started_ms, completed_at, duration_ms) VALUES (" + ", ".join("?" * 18) + ")", batch)
    db.executemany("INSERT INTO wf_execution_steps (execution_id, step_id, iteration, pass, seq, status, attempts, "
                   "started_at, completed_at, tokens_used, cost) VALUES (" + ", ".join("?" * 11) + ")", step_rows)
calls = []
for i in range(count // 5):
    at = now - random.randint(60000, year)
    model = random.choice(["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku"])
    prompt, completion = random.randint(50, 2000), random.randint(10, 800)
    latency = random.randint(200, 3000)
    calls.append((str(uuid.uuid4()), me, "", model, "openai" if model.startswith("gpt") else "anthropic", prompt, completion,
                  (prompt + completion) * 1500, latency, "completed", text(at)[:19] + "Z", at, at + latency))
db.executemany("INSERT INTO ai_calls (id, user_id, organization_id, model, provider, prompt_tokens, completion_tokens, "
               "cost_nanos, latency_ms, status, created_at, created_ms, ended_ms) VALUES (" + ", ".join("?" * 13) + ")", calls)
db.commit()
print(workflows[0], f"{time.monotonic() - started:.0f}")
PY
)
start_host "$work" "$bench_build/lib/orchestrator/plugins" \
  ORCH_RATELIMIT__ENABLED=false ORCH_ADMIN_EMAIL=bench@example.com ORCH_ADMIN_PASSWORD=bench-password-42
api="http://127.0.0.1:$HOST_PORT/api/v1"

# The plugin reads the feeds from where its cursor stands: here, the start.
caught_up_s=$(python3 - "$api" "$token" "$executions" <<'PY'
import json, sys, time, urllib.request
api, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.monotonic()
while True:
    request = urllib.request.Request(api + "/analytics/dashboard", headers={"Authorization": "Bearer " + token})
    if json.load(urllib.request.urlopen(request))["total_executions"] >= count: break
    if time.monotonic() - started > 1800: sys.exit("the rollups did not catch up in 30 minutes")
    time.sleep(1)
print(f"{time.monotonic() - started:.0f}")
PY
)

auth=(-H "Authorization: Bearer $token")
year_ago=$(date -u -d '365 days ago' +%Y-%m-%dT%H:%M:%SZ)
dashboard="$api/analytics/dashboard"
daily="$api/analytics/metrics?type=execution_count&interval=1d&from=$year_ago"
hourly="$api/analytics/metrics?type=latency_p95&interval=1h"
one="$api/analytics/workflows/$workflow/metrics"
for connections in 4 64; do
  for name in dashboard daily hourly one; do
    read -r rps p50 p99 errors < <(WRK_CONNECTIONS=$connections wrk_figures "${!name}" "$duration" "${auth[@]}")
    eval "${name}_${connections}=\"$rps requests/s, p50 $p50, p99 $p99, errors $errors\""
  done
done

cat <<REPORT
analytics benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), SQLite, $executions executions and $((executions / 5)) AI calls over 365 days)
  rows written in ${seeded_s} s; rollups caught up from the feeds in ${caught_up_s} s; resident memory $(( $(rss_kb "$HOST_PID") / 1024 )) MiB
  wrk 2 threads, 4 connections, ${duration} s each (target: p99 at most 50 ms):
    dashboard                         $dashboard_4
    execution_count, 1d, a year       $daily_4
    latency_p95, 1h, a day            $hourly_4
    one workflow's metrics            $one_4
  wrk 2 threads, 64 connections, ${duration} s each:
    dashboard                         $dashboard_64
    execution_count, 1d, a year       $daily_64
    latency_p95, 1h, a day            $hourly_64
    one workflow's metrics            $one_64
REPORT
