#!/usr/bin/env bash
# Measures authenticated requests through the auth plugin and prints:
#  - GET /api/v1/auth/me with a bearer JWT and with an X-API-KEY: requests/s
#    and p99 (wrk, 2 threads, 64 connections);
#  - login latency (argon2id, t=2, m=19 MiB, dominates it on purpose).
# Usage: bench/auth_bench.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
duration=${1:-10}
bench_prepare wrk python3 curl
start_host "$work" "$bench_build/lib/orchestrator/plugins" \
  ORCH_RATELIMIT__DEFAULT__PER_MINUTE=2000000000 ORCH_RATELIMIT__AUTH__PER_MINUTE=1000000 \
  ORCH_ADMIN_EMAIL=bench@example.com ORCH_ADMIN_PASSWORD=bench-password-42
api="http://127.0.0.1:$HOST_PORT/api/v1"

login_ms=()
for _ in $(seq 1 10); do
  ms=$(curl -s -o "$work/login.json" -w '%{time_total}' -H 'Content-Type: application/json' \
        -d '{"email":"bench@example.com","password":"bench-password-42"}' "$api/auth/login")
  login_ms+=("$(python3 -c "print(round($ms * 1000, 1))")")
done
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$work/login.json")
key=$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
       -d '{"name":"bench","scopes":["workflow:read"]}' "$api/auth/api-keys" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

read -r bearer_rps bearer_p50 bearer_p99 bearer_errors < <(wrk_figures "$api/auth/me" "$duration" -H "Authorization: Bearer $token")
read -r key_rps key_p50 key_p99 key_errors < <(wrk_figures "$api/auth/me" "$duration" -H "X-API-KEY: $key")
sorted=$(printf '%s\n' "${login_ms[@]}" | sort -n | tr '\n' ' ')

cat <<REPORT
auth benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), SQLite)
  GET /api/v1/auth/me, wrk 2 threads, 64 connections, ${duration} s each (target >= 20000 requests/s):
    bearer JWT   $bearer_rps requests/s, p50 $bearer_p50, p99 $bearer_p99, errors $bearer_errors
    X-API-KEY    $key_rps requests/s, p50 $key_p50, p99 $key_p99, errors $key_errors
  POST /api/v1/auth/login (argon2id), 10 sequential logins, ms: $sorted
REPORT
