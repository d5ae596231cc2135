#!/usr/bin/env bash
# Measures the AI gateway's overhead: the same completion sent straight to a
# local OpenAI-compatible server and through POST /api/v1/ai/route, at a fixed
# rate for each, in one run. Prints added latency (median, p99), throughput
# and the host's memory before and after.
# Usage: bench/ai_bench.sh [requests_per_second=1000] [seconds=20]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/lib/build.sh >/dev/null
build/bin/ai_gateway_bench "${1:-1000}" "${2:-20}"
