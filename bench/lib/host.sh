# Shared by the benchmarks (source it): start a host and measure it.

# The build measured: ./build, or another one given in ORCH_BENCH_BUILD (as
# bench/before_after.sh does with a base revision's), which is then not rebuilt.
bench_build=${ORCH_BENCH_BUILD:-build}

# start_host WORK_DIR PLUGINS_DIR [ENV=VALUE ...]: starts build/bin/orchestrator
# on a free port and waits for GET /ready; sets HOST_PID, HOST_PORT and
# READY_MS (process start to the first 200 from /ready, polled over a raw socket).
start_host() {
  local work=$1 plugins=$2
  shift 2
  read -r READY_MS HOST_PORT HOST_PID < <(env "$@" python3 - "$work" "$plugins" <<'PY'
import os, re, socket, subprocess, sys, time
work, plugins = sys.argv[1], sys.argv[2]
log = open(f"{work}/host.log", "w")
start = time.monotonic()
proc = subprocess.Popen([os.environ.get("ORCH_BENCH_BUILD", "build") + "/bin/orchestrator", "--port", "0", "--data-dir", f"{work}/data",
                         "--plugins-dir", plugins], stdout=log, stderr=subprocess.STDOUT)
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
    if proc.poll() is not None or time.monotonic() - start > 30:
        sys.exit("the host did not become ready; see " + work + "/host.log")
print(f"{(time.monotonic() - start) * 1000:.1f} {port} {proc.pid}")
PY
)
}

# cpu_ticks PID: CPU time the process has used (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# rss_kb PID: resident memory in kB.
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# wrk_figures URL SECONDS [wrk header args...]: prints "requests/s p50 p99 errors"; 64
# connections, or WRK_CONNECTIONS.
wrk_figures() {
  local url=$1 seconds=$2
  shift 2
  local connections=${WRK_CONNECTIONS:-64}
  wrk -t2 -c"$connections" -d2s "$@" "$url" >/dev/null # warm-up: threads, caches
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" "$url")
  local errors
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr -s ' ' | tr '\n' ';' || true)
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1 == "50%" {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}') ${errors:-none}"
}

# bench_prepare TOOL...: installs the tools, builds, and makes $work, a
# temporary folder removed on exit together with the host and any background
# job; a script that needs more done on exit defines bench_extra_cleanup.
bench_prepare() {
  scripts/lib/deps.sh "$@"
  [ "$bench_build" != build ] || scripts/lib/build.sh >/dev/null
  work=$(mktemp -d)
  trap bench_cleanup EXIT
}

bench_cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  [ -n "${HOST_PID:-}" ] && kill "$HOST_PID" 2>/dev/null || true
  if declare -F bench_extra_cleanup >/dev/null; then bench_extra_cleanup || true; fi
  rm -rf "$work"
}

# bench_token API_URL: an access token of bench@example.com, the admin the
# benchmarks start their hosts with (ORCH_ADMIN_EMAIL / ORCH_ADMIN_PASSWORD).
bench_token() {
  curl -s -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench-password-42"}' \
    "$1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# wait_for_executions API_URL TOKEN WORKFLOW_ID: returns once no execution of
# the workflow is queued or running (a load's backlog done), at most 60 s.
wait_for_executions() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys, time, urllib.request
api, token, workflow = sys.argv[1:4]
def total(status):
    request = urllib.request.Request(f"{api}/executions?workflow_id={workflow}&status={status}&limit=1",
                                     headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(request))["total"]
for _ in range(600):
    if total("running") == 0 and total("queued") == 0: break
    time.sleep(0.1)
PY
}

# post_script TOKEN BODY: writes $work/post.lua, which makes wrk POST BODY as
# JSON with TOKEN as the bearer.
post_script() {
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $1"
wrk.body = '$2'
LUA
}
