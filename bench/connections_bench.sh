#!/usr/bin/env bash
# Measures what open connections cost the HTTP side of the host, and prints:
#  - idle keep-alive: N (default 10,000) clients each send one `GET /health`,
#    read the answer and stay connected; the host's resident memory and thread
#    count before and after, and whether another client is still answered;
#  - slowloris: S (default 400) clients each send a request head without its
#    final blank line and nothing more, then (a variant) S clients send a full
#    head announcing a 1 MiB body and trickle one byte a second; meanwhile a
#    further client sends `GET /health` on a new connection every 50 ms for
#    10 s: p50, p99 and how many timed out (2 s).
# The clients run in one Python process on the same 2 cores as the host.
# Usage: bench/connections_bench.sh [idle=10000] [slow=400]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
idle=${1:-10000}
slow=${2:-400}
bench_prepare python3 curl
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # the host and the clients each hold one descriptor per connection

# Every client here is 127.0.0.1, so the per-address limit is raised to the
# total, and idle connections are kept longer than the run.
start_host "$work" "$bench_build/lib/orchestrator/plugins" ORCH_RATELIMIT__ENABLED=false \
  ORCH_SERVER__MAX_CONNECTIONS_PER_CLIENT=20000 ORCH_SERVER__KEEP_ALIVE_TIMEOUT=600

echo "Connections benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
python3 - "$HOST_PORT" "$HOST_PID" "$idle" "$slow" <<'PY'
import resource, socket, sys, threading, time

port, pid, idle, slow = (int(a) for a in sys.argv[1:5])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

def status(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

def probe(timeout=2.0):
    """Milliseconds for a GET /health on a new connection, or None on timeout."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk: return None
                data += chunk
            return (time.monotonic() - started) * 1000 if data.startswith(b"HTTP/1.1 200") else None
    except OSError:
        return None

def probes(seconds, label):
    latencies, timeouts = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ms = probe()
        if ms is None: timeouts += 1
        else: latencies.append(ms)
        time.sleep(0.05)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
    print(f"  {label}: another client's GET /health, {len(latencies) + timeouts} tries: "
          f"p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, {timeouts} timed out (2 s)")

time.sleep(1)
probes(3, "quiet host")

# Idle keep-alive connections.
rss_before, threads_before = status("VmRSS"), status("Threads")
held, refused = [], 0
started = time.monotonic()
for i in range(idle):
    s = None
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk: raise OSError("closed")
            data += chunk
        if not data.startswith(b"HTTP/1.1 200"): raise OSError(data.split(b"\r\n")[0].decode())
        held.append(s)
    except OSError:
        if s: s.close()
        refused += 1
opened = time.monotonic() - started
time.sleep(2)
rss_after, threads_after = status("VmRSS"), status("Threads")
print(f"  idle keep-alive: {len(held)} of {idle} connections held ({refused} refused or timed out) in {opened:.1f} s; "
      f"host RSS {rss_before / 1024:.1f} -> {rss_after / 1024:.1f} MiB, threads {threads_before} -> {threads_after}")
probes(5, f"{len(held)} idle keep-alive connections open")
for s in held: s.close()
time.sleep(2)

def slowloris(label, head, trickle):
    clients = []
    for i in range(slow):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(head)
            clients.append(s)
        except OSError:
            pass
    stop = threading.Event()
    def drip():
        while not stop.wait(1.0):
            for s in clients:
                try: s.send(b"x")
                except OSError: pass
    dripper = threading.Thread(target=drip) if trickle else None
    if dripper: dripper.start()
    time.sleep(0.5)
    print(f"  {label}: {len(clients)} slow clients, host threads {status('Threads')}")
    probes(10, label)
    stop.set()
    if dripper: dripper.join()
    for s in clients: s.close()
    time.sleep(2)

slowloris("slowloris (unfinished head)", b"GET /health HTTP/1.1\r\nHost: x\r\n", False)
slowloris("slow body (a byte a second)",
          b"POST /api/v1/hello/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n", True)
PY
