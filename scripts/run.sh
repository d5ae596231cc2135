#!/usr/bin/env bash
# Installs what is missing, builds, and starts the server on port 8080 with
# SQLite in ./var and every first-party plugin. Extra arguments go to the
# server (e.g. --port 9090); ORCH_* variables override the config file.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/lib/deps.sh
scripts/lib/node_deps.sh host/docs
scripts/lib/build.sh
mkdir -p var
exec build/bin/orchestrator --config config/orchestrator.properties --data-dir ./var "$@"
