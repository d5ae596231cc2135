#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with CTest. CTest starts
# the services the tests need itself (PostgreSQL on a free port, as a non-root
# user, in a temporary directory; an SMTP server with node) and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/lib/deps.sh
scripts/lib/node_deps.sh
scripts/lib/build.sh
ctest --test-dir build --output-on-failure --timeout 300 --parallel "${ORCH_TEST_JOBS:-2}" "$@"
