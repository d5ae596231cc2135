#!/usr/bin/env bash
# Measures deployed agents (issue 19) on SQLite and prints:
#  - deploy to ready: POST /agents/{id}/deploy, which answers once the worker
#    has linked and answered a health check; median and p95 of N deploys (each
#    undeployed after), on the process runtime and, when a Docker Engine runs
#    (scripts/lib/docker.sh starts one), on docker; the docker image is made
#    before, and the time that took is printed on its own;
#  - the idle memory of one deployed agent: its worker's RSS and PSS (shared
#    libraries counted by their share) on process, Docker's memory_usage on docker;
#  - 100 agents deployed at once on process (deploys in 16 parallel
#    connections): the time until all are ready, and the workers' total PSS.
# Usage: bench/deploy_bench.sh [deploys=20] [agents=100]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
deploys=${1:-20}
many=${2:-100}
bench_prepare python3 curl docker.io

docker_dir="$work/docker"
scripts/lib/docker.sh start "$docker_dir" >/dev/null
bench_extra_cleanup() { scripts/lib/docker.sh stop "$docker_dir"; }
docker_socket=$(cat "$docker_dir/socket" 2>/dev/null || true)

start_host "$work" "$bench_build/lib/orchestrator/plugins" ORCH_RATELIMIT__ENABLED=false \
  ORCH_ADMIN_EMAIL=bench@example.com ORCH_ADMIN_PASSWORD=bench-password-42 \
  ORCH_CONTAINERS__DOCKER__SOCKET="${docker_socket:-/nonexistent}" ORCH_AGENTS__MAX_RESTARTS=0
root="http://127.0.0.1:$HOST_PORT/api/v1"
token=$(bench_token "$root")
echo "host ready in ${READY_MS} ms (pid $HOST_PID)"

python3 - "$root" "$token" "$deploys" "$many" "${docker_socket:-}" <<'PY'
import concurrent.futures, http.client, json, socket, statistics, sys, time, urllib.request
root, token, deploys, many, docker = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

def call(method, path, body=None):
    request = urllib.request.Request(root + path, method=method, headers=auth,
                                     data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")

graph = {"nodes": [{"id": "start", "type": "start"}, {"id": "call", "type": "api_call",
                    "data": {"url": "http://127.0.0.1:9/x"}}],
         "edges": [{"source": "start", "target": "call"}]}
def agent(name, limits):
    status, body = call("POST", "/agents", {"name": name, "framework": "native", "definition": graph,
                                            "resource_limits": limits})
    assert status == 201, body
    return body["id"]

def memory(pid):
    fields = {}
    for line in open(f"/proc/{pid}/smaps_rollup"):
        parts = line.split()
        if parts[0] in ("Rss:", "Pss:"): fields[parts[0][:-1]] = int(parts[1]) / 1024
    return fields

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

def deploy_times(runtime, count):
    id = agent("bench-" + runtime, {"runtime": runtime, "memory": 256, "cpu": 1})
    times = []
    for _ in range(count):
        start = time.monotonic()
        status, body = call("POST", f"/agents/{id}/deploy")
        times.append((time.monotonic() - start) * 1000)
        assert status == 200, body
        last = body
        if len(times) < count: call("POST", f"/agents/{id}/undeploy")
    return id, times, last

for runtime in ["process"] + (["docker"] if docker else []):
    if runtime == "docker":
        # The first deploy of a build makes its image; every later one reuses it.
        first = agent("bench-image", {"runtime": "docker"})
        start = time.monotonic()
        status, body = call("POST", f"/agents/{first}/deploy")
        assert status == 200, body
        print(f"docker: the first deploy, which made the image: {(time.monotonic() - start) * 1000:.0f} ms "
              f"({[l for l in body['deployment_logs'] if l.startswith('Image')][0]})")
        call("POST", f"/agents/{first}/undeploy")
    id, times, last = deploy_times(runtime, deploys)
    print(f"{runtime}: deploy to ready (worker linked), {deploys} deploys: median {statistics.median(times):.0f} ms, "
          f"p95 {pct(times, 95):.0f} ms, best {min(times):.0f} ms")
    time.sleep(3)  # idle: linked, answering health checks
    status, seen = call("GET", f"/agents/{id}/container")
    if runtime == "process":
        m = memory(seen["limits"]["pid"])
        print(f"process: one idle deployed agent: worker RSS {m['Rss']:.1f} MiB, PSS {m['Pss']:.1f} MiB "
              f"(cgroup memory_usage {seen['resource_usage']['memory_usage']:.1f} MiB)")
    else:
        print(f"docker: one idle deployed agent: memory_usage {seen['resource_usage']['memory_usage']:.1f} MiB")
    call("POST", f"/agents/{id}/undeploy")

ids = [agent(f"many-{i}", {"runtime": "process", "memory": 128, "cpu": 0.5}) for i in range(many)]
start = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    answers = list(pool.map(lambda id: call("POST", f"/agents/{id}/deploy"), ids))
elapsed = time.monotonic() - start
failed = [body for status, body in answers if status != 200]
assert not failed, failed[:3]
time.sleep(3)
pids = [call("GET", f"/agents/{id}/container")[1]["limits"]["pid"] for id in ids]
total = [memory(pid) for pid in pids]
pss = sum(m["Pss"] for m in total)
rss = sum(m["Rss"] for m in total)
print(f"process: {many} agents deployed at once: all ready in {elapsed * 1000:.0f} ms; workers' total PSS "
      f"{pss:.0f} MiB ({pss / many:.1f} MiB each), total RSS {rss:.0f} MiB")
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda id: call("POST", f"/agents/{id}/undeploy"), ids))
PY
