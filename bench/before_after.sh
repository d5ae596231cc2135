#!/usr/bin/env bash
# The HTTP side before and after a change, in one run on one machine: builds
# a base revision (default bcc9a06, the last with Poco's thread-per-connection
# HTTP server) in a worktree under var/bench-base/ (kept: a second run builds
# nothing), then runs the same benches against it and against this tree:
#   bench/host_bench.sh         GET /api/v1/hello/{name}, wrk 64 connections
#   bench/auth_bench.sh         GET /api/v1/auth/me with a JWT and an API key
#   bench/executions_bench.sh   executions/s (SQLite and PostgreSQL)
#   bench/connections_bench.sh  10,000 idle keep-alive connections, slowloris
# and prints each report under its label, then the headline figures side by side.
# Usage: bench/before_after.sh [base-revision] [seconds=10] [idle=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-bcc9a06}
seconds=${2:-10}
idle=${3:-10000}
scripts/lib/deps.sh wrk python3 curl
scripts/lib/build.sh >/dev/null
tree="var/bench-base/$(git rev-parse --short "$base")"
if [ ! -d "$tree" ]; then
  mkdir -p var/bench-base
  git worktree add --detach "$tree" "$base" >/dev/null
fi
[ -f "$tree/build/build.ninja" ] || cmake -S "$tree" -B "$tree/build" -G Ninja -DCMAKE_BUILD_TYPE="${ORCH_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
ninja -C "$tree/build" -j"$(nproc)" orchestrator plugin_auth plugin_ai plugin_workflows plugin_credentials \
  plugin_webhooks plugin_realtime fixture_hello_steps >/dev/null

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for side in before after; do
  if [ $side = before ]; then build="$tree/build"; rev=$(git rev-parse --short "$base"); else build=build; rev="$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +changes)"; fi
  echo "=== $side ($rev) ==="
  for bench in host auth executions connections; do
    args=("$seconds")
    [ $bench = connections ] && args=("$idle" 400)
    ORCH_BENCH_BUILD="$build" bench/${bench}_bench.sh "${args[@]}" | tee "$out/$side-$bench.txt"
  done
done

# figure FILE PATTERN FIELD: the FIELD-th word of the first line matching PATTERN.
figure() { grep -m1 -E "$2" "$1" | awk -v f="$3" '{print $f}'; }
# after_colon FILE PATTERN: the text after the pattern's line's last colon.
after_colon() { grep -m1 -E "$2" "$1" | sed 's/.*: //'; }
echo
echo "=== side by side ($(nproc) cores) ==="
printf '%-52s %-40s %s\n' "" "before" "after"
row() { printf '%-52s %-40s %s\n' "$1" "$2" "$3"; }
row "hello, requests/s (64 connections)" "$(figure "$out/before-host.txt" 'requests/s' 2)" "$(figure "$out/after-host.txt" 'requests/s' 2)"
row "hello, latency p99" "$(figure "$out/before-host.txt" 'latency p99' 3)" "$(figure "$out/after-host.txt" 'latency p99' 3)"
row "auth/me with a JWT, requests/s" "$(figure "$out/before-auth.txt" 'bearer JWT' 3)" "$(figure "$out/after-auth.txt" 'bearer JWT' 3)"
row "auth/me with an API key, requests/s" "$(figure "$out/before-auth.txt" 'X-API-KEY' 2)" "$(figure "$out/after-auth.txt" 'X-API-KEY' 2)"
for backend in SQLite PostgreSQL; do
  row "executions/s, $backend" "$(grep -m1 -A2 "$backend" "$out/before-executions.txt" | grep -m1 -oE '[0-9.]+ executions/s' || echo -)" \
    "$(grep -m1 -A2 "$backend" "$out/after-executions.txt" | grep -m1 -oE '[0-9.]+ executions/s' || echo -)"
done
row "idle keep-alive connections" "$(after_colon "$out/before-connections.txt" 'idle keep-alive:' | cut -c1-40)" \
  "$(after_colon "$out/after-connections.txt" 'idle keep-alive:')"
for probe in "quiet host" "idle keep-alive connections open" "slowloris" "slow body"; do
  row "others' GET /health, $probe" "$(after_colon "$out/before-connections.txt" "  [^:]*$probe[^:]*: another" | cut -c1-40)" \
    "$(after_colon "$out/after-connections.txt" "  [^:]*$probe[^:]*: another")"
done
