#!/usr/bin/env bash
# Measures the WebSocket side of the host and prints:
#  - idle connections: N (default 10,000) clients open /ws/executions and stay
#    silent; the host's resident memory and thread count before and after, so
#    memory per connection and threads added by them;
#  - broadcast latency: 1,000 of them are the same user's, and every event of
#    that user's executions reaches all 1,000; for each message received, the
#    time from the event's own timestamp (taken as the engine publishes it, in
#    milliseconds) to its arrival, over 20 executions of a 1-step workflow:
#    p50, p99 and the maximum (the client only notes arrival times while
#    receiving, and parses afterwards).
# The clients run in one Python process on the same 2 cores as the host.
# Usage: bench/websocket_bench.sh [connections=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
connections=${1:-10000}
bench_prepare python3 curl

start_host "$work" "$bench_build/lib/orchestrator/plugins" ORCH_RATELIMIT__ENABLED=false \
  ORCH_WEBSOCKET__MAX_CONNECTIONS_PER_USER=$((connections + 10)) \
  ORCH_ADMIN_EMAIL=bench@example.com ORCH_ADMIN_PASSWORD=bench-password-42
api="http://127.0.0.1:$HOST_PORT/api/v1"
token=$(bench_token "$api")

echo "WebSocket benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
python3 - "$HOST_PORT" "$HOST_PID" "$token" "$connections" <<'PY'
import datetime, json, os, selectors, socket, struct, sys, time, urllib.request

port, pid, token, count = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])

def status(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

def frames(buffer):
    """Complete server frames in buffer (unmasked): (opcode, payload) list, rest."""
    out = []
    while len(buffer) >= 2:
        opcode, length = buffer[0] & 0x0F, buffer[1] & 0x7F
        at = 2
        if length == 126:
            if len(buffer) < 4: break
            length, at = struct.unpack(">H", buffer[2:4])[0], 4
        elif length == 127:
            if len(buffer) < 10: break
            length, at = struct.unpack(">Q", buffer[2:10])[0], 10
        if len(buffer) < at + length: break
        out.append((opcode, buffer[at:at + length]))
        buffer = buffer[at + length:]
    return out, buffer

def connect():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall((f"GET /ws/executions?token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, rest = data.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 101"):
        sys.exit("upgrade refused: " + head.decode(errors="replace"))
    return s, rest

def api(method, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))

time.sleep(1)
rss_before, threads_before = status("VmRSS"), status("Threads")
sockets = []
started = time.monotonic()
for i in range(count):
    sockets.append(connect())
opened = time.monotonic() - started
time.sleep(3)
rss_after, threads_after = status("VmRSS"), status("Threads")
per = (rss_after - rss_before) * 1024 / count
print(f"  idle connections: {count} opened in {opened:.1f} s; host RSS {rss_before / 1024:.1f} -> {rss_after / 1024:.1f} MiB "
      f"(+{(rss_after - rss_before) / 1024:.1f} MiB, {per / 1024:.1f} KiB per connection); "
      f"threads {threads_before} -> {threads_after}")

# Keep 1,000 subscribers; close the rest.
subscribers = sockets[:1000]
for s, _ in sockets[1000:]:
    s.close()
time.sleep(1)
selector = selectors.DefaultSelector()
buffers = {}
for s, rest in subscribers:
    s.setblocking(False)
    selector.register(s, selectors.EVENT_READ)
    buffers[s] = rest

workflow = api("POST", "/workflows", {"name": "broadcast", "steps": [
    {"id": "a", "type": "transform", "config": {"mapping": {"v": "{{v}}"}}}]})["id"]
latencies = []
def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
def drain(seconds, until_completed=None):
    deadline = time.monotonic() + seconds
    completed = 0
    while time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.05):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            now = time.time()
            got, buffers[s] = frames(buffers[s] + chunk)
            # Only the arrival time here; parsing waits, so that the client's
            # own work is not counted as delivery time.
            for opcode, payload in got:
                if opcode == 1:
                    received.append((now, payload))
                    if b'"status":"execution_completed"' in payload: completed += 1
        if until_completed and completed >= until_completed:
            return
received = []
drain(1)  # the welcome messages
received.clear()
runs = 20
for i in range(runs):
    api("POST", f"/workflows/{workflow}/execute", {"input_data": {"v": i}})
    drain(10, until_completed=len(subscribers))
for now, payload in received:
    message = json.loads(payload)
    if message.get("type") == "execution_update" and "." in message.get("timestamp", ""):
        latencies.append((now - parse_time(message["timestamp"])) * 1000)
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"  broadcast to {len(subscribers)} subscribers: {len(latencies)} messages over {runs} executions "
      f"(3 events each); delivery latency p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {latencies[-1]:.1f} ms")
if len(latencies) < runs * 3 * len(subscribers):
    print(f"  MISSING: expected {runs * 3 * len(subscribers)} messages")
PY
