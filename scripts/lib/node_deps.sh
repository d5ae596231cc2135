#!/usr/bin/env bash
# Node.js and the npm packages, each folder from its package-lock.json, once:
# the pages the host serves at /docs and /redoc (host/docs, copied into the
# build), and what the tests run: the SMTP server (tests/support/smtp), the
# OpenAPI and Postman checks (tests/support/openapi), the browser driver for
# Debian's Chromium (tests/support/browser). Usage: node_deps.sh [folder ...]
# (default: all of them).
set -euo pipefail
cd "$(dirname "$0")/../.."
# A machine with Node.js from elsewhere (NodeSource bundles npm) keeps it:
# Debian's npm package would conflict with it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  scripts/lib/deps.sh nodejs npm
fi
folders=("$@")
[ ${#folders[@]} -gt 0 ] || folders=(host/docs tests/support/smtp tests/support/openapi tests/support/browser)
for folder in "${folders[@]}"; do
  if [ ! -d "$folder/node_modules" ] || [ "$folder/package-lock.json" -nt "$folder/node_modules" ]; then
    (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
