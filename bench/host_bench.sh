#!/usr/bin/env bash
# Measures the host on this machine and prints the figures:
#  - requests/s and p99 latency of a trivial plugin route (GET /api/v1/hello/{name}
#    of the SDK example) through the whole middleware chain (request id, CORS,
#    router, rate limiter, metrics, access log), with wrk: 64 connections on loopback;
#  - time from process start to GET /ready answering 200, with every plugin;
#  - resident memory (RSS) when idle after start-up.
# Usage: bench/host_bench.sh [seconds]   (builds first; installs wrk if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
scripts/lib/deps.sh wrk python3
scripts/lib/build.sh >/dev/null

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/plugins"
# Every first-party plugin, plus the SDK example that owns the benchmarked route.
cp build/lib/orchestrator/plugins/*.so "$work/plugins/" 2>/dev/null || true
cp build/tests/fixture-plugins/hello_steps.so "$work/plugins/"
plugin_count=$(ls "$work/plugins" | wc -l)

# Start-up: spawn, then poll /ready over a raw socket as fast as possible.
read -r ready_ms port pid < <(python3 - "$work" <<'PY'
import os, re, socket, subprocess, sys, time
work = sys.argv[1]
log = open(f"{work}/host.log", "w")
start = time.monotonic()
proc = subprocess.Popen(["build/bin/orchestrator", "--port", "0", "--data-dir", f"{work}/data",
                         "--plugins-dir", f"{work}/plugins"],
                        stdout=log, stderr=subprocess.STDOUT,
                        env={**os.environ, "ORCH_RATELIMIT__DEFAULT__PER_MINUTE": "2000000000"})
port = None
while True:
    if port is None:
        m = re.search(r"listening on [^:\s]+:(\d+)", open(f"{work}/host.log").read())
        if m: port = int(m.group(1))
    if port:
        try:
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                break
        except OSError:
            pass
    if time.monotonic() - start > 30: sys.exit("not ready in 30 s")
ready = (time.monotonic() - start) * 1000
print(f"{ready:.1f} {port} {proc.pid}")
PY
)

sleep 2
idle_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
threads_idle=$(ls "/proc/$pid/task" | wc -l)

url="http://127.0.0.1:$port/api/v1/hello/bench"
wrk -t2 -c64 -d2s "$url" >/dev/null # warm-up: threads, caches
wrk -t2 -c64 -d"${duration}s" --latency "$url" > "$work/wrk.txt"
rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
errors=$(grep -E "Non-2xx|Socket errors" "$work/wrk.txt" || true)
loaded_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true

cat <<REPORT
host benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), plugins loaded: $plugin_count)
  GET /api/v1/hello/{name}, wrk 2 threads 64 connections ${duration}s:
    requests/s        $rps   (target >= 30000)
    latency p50       $p50
    latency p99       $p99
    ${errors:-no errors}
  start to ready      ${ready_ms} ms   (target < 200 ms)
  idle RSS            $((idle_rss_kb / 1024)) MiB (${idle_rss_kb} kB, target < 30 MB), $threads_idle threads
  RSS after the load  $((loaded_rss_kb / 1024)) MiB
REPORT
