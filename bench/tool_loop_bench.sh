#!/usr/bin/env bash
# Measures tool_loop (issue 18): agent runs/s of a 3-turn ReAct loop against a
# local OpenAI stand-in, and the engine's added latency per turn (the time not
# spent waiting on the model or the tool). See bench/tool_loop.cpp.
# Usage: bench/tool_loop_bench.sh [runs=2000] [concurrency=32] [sequential_runs=300]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/lib/build.sh >/dev/null
build/bin/tool_loop_bench "${1:-2000}" "${2:-32}" "${3:-300}"
