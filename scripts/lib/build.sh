#!/usr/bin/env bash
# Configures (once) and builds everything into ./build with Ninja and ccache.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_type=${ORCH_BUILD_TYPE:-RelWithDebInfo}
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type"
fi
# Two jobs fit a 2-core machine; more only thrash its memory and caches.
cmake --build build --parallel "${ORCH_BUILD_JOBS:-$(nproc)}"
