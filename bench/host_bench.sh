#!/usr/bin/env bash
# Measures the host and prints the figures:
#  - requests/s and p99 latency of a trivial plugin route (GET /api/v1/hello/{name}
#    of the SDK example) through the whole middleware chain (request id, CORS,
#    router, authenticator hook, rate limiter, metrics, access log), with wrk:
#    64 connections on loopback;
#  - time from process start to GET /ready answering 200, with every plugin;
#  - resident memory (RSS) and CPU when idle after start-up.
# Usage: bench/host_bench.sh [seconds]   (builds first; installs wrk if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
duration=${1:-10}
bench_prepare wrk python3
mkdir -p "$work/plugins"
# Every first-party plugin, plus the SDK example that owns the benchmarked route.
cp "$bench_build"/lib/orchestrator/plugins/*.so "$work/plugins/" 2>/dev/null || true
cp "$bench_build"/tests/fixture-plugins/hello_steps.so "$work/plugins/"
plugin_count=$(ls "$work/plugins" | wc -l)

# The limiter still runs on every request; its limit is only set out of reach.
start_host "$work" "$work/plugins" ORCH_RATELIMIT__DEFAULT__PER_MINUTE=2000000000
sleep 1
idle_ticks=$(cpu_ticks "$HOST_PID")
sleep 3
idle_cpu=$(python3 -c "print(f'{($(cpu_ticks "$HOST_PID") - $idle_ticks) / $(getconf CLK_TCK) / 3 * 100:.1f}')")
idle_rss=$(rss_kb "$HOST_PID")
idle_threads=$(ls "/proc/$HOST_PID/task" | wc -l)
read -r rps p50 p99 errors < <(wrk_figures "http://127.0.0.1:$HOST_PORT/api/v1/hello/bench" "$duration")
loaded_rss=$(rss_kb "$HOST_PID")

cat <<REPORT
host benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), $plugin_count plugins: $(ls "$work/plugins" | tr '\n' ' '))
  GET /api/v1/hello/{name}, wrk 2 threads, 64 connections, ${duration} s:
    requests/s         $rps   (target >= 50000)
    latency p50        $p50
    latency p99        $p99
    errors             $errors
  start to ready       ${READY_MS} ms   (target < 200 ms)
  idle RSS             $((idle_rss / 1024)) MiB (${idle_rss} kB; target < 30 MB), $idle_threads threads
  idle CPU             ${idle_cpu}% of one core over 3 s
  RSS after the load   $((loaded_rss / 1024)) MiB
REPORT
