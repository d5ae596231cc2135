#!/usr/bin/env bash
# Node.js and the npm packages the tests run (the SMTP server in
# tests/support/smtp), installed from package-lock.json once.
set -euo pipefail
cd "$(dirname "$0")/../.."
# A machine with Node.js from elsewhere (NodeSource bundles npm) keeps it:
# Debian's npm package would conflict with it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  scripts/lib/deps.sh nodejs npm
fi
for folder in tests/support/smtp; do
  if [ ! -d "$folder/node_modules" ] || [ "$folder/package-lock.json" -nt "$folder/node_modules" ]; then
    (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
