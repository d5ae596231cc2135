#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds sdk/examples/hello_steps
# (C++) and sdk/examples/hello_c (plain C) against that installed SDK alone
# (find_package), and loads both into the installed host: the path a
# third-party plugin author takes.
# Usage: out_of_tree_plugin.sh <source-dir> <build-dir>
set -euo pipefail
source_dir=$1
build_dir=$2
work=$(mktemp -d)
host_pid=
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
for installed in bin/orchestrator include/orchestrator/abi.h include/orchestrator/plugin.hpp \
                 lib/cmake/OrchestratorSDK/OrchestratorSDKConfig.cmake etc/orchestrator/orchestrator.properties; do
  [ -e "$work/prefix/$installed" ] || { echo "not installed: $installed"; exit 1; }
done
[ -d "$work/prefix/lib/orchestrator/plugins" ] || { echo "no plugin folder installed"; exit 1; }

# Only the installed prefix: the source tree's headers are not on any path.
mkdir -p "$work/plugins"
for example in hello_steps hello_c; do
  cmake -S "$source_dir/sdk/examples/$example" -B "$work/$example" -G Ninja \
        -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$work/$example" >/dev/null
  cp "$work/$example/$example.so" "$work/plugins/"
  exported=$(nm -D --defined-only "$work/plugins/$example.so" | awk '{print $3}' | grep -c orch_ || true)
  [ "$exported" -eq 1 ] || { echo "$example must export exactly its entry point, found $exported orch_ symbols"; exit 1; }
done

"$work/prefix/bin/orchestrator" --port 0 --data-dir "$work/data" --plugins-dir "$work/plugins" >"$work/log" 2>&1 &
host_pid=$!
port=
for _ in $(seq 1 200); do
  port=$(grep -oE 'listening on [^ ]+:[0-9]+' "$work/log" | grep -oE '[0-9]+$' || true)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
  sleep 0.05
done
answer=$(curl -s "http://127.0.0.1:$port/api/v1/hello/Linus")
echo "answer: $answer"
[ "$answer" = '{"message":"Hello, Linus!"}' ] || { cat "$work/log"; exit 1; }
answer=$(curl -s "http://127.0.0.1:$port/api/v1/hello-c/Dennis")
echo "answer: $answer"
[ "$answer" = '{"message":"Hello from C, Dennis!"}' ] || { cat "$work/log"; exit 1; }
# The host writes its log on a thread of its own: wait for a line, with a deadline.
wait_for_log() {
  for _ in $(seq 1 100); do grep -q "$1" "$work/log" && return 0; sleep 0.05; done
  echo "not in the log: $1"; cat "$work/log"; exit 1
}
wait_for_log "plugin hello_steps 1.0.0 loaded"
wait_for_log "plugin hello_c 1.0.0 loaded"
kill -TERM "$host_pid"
wait "$host_pid"
host_pid=
echo "out-of-tree plugins in C++ and C built against the installed SDK and served"
