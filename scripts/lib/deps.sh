#!/usr/bin/env bash
# Installs the Debian packages the build, the server and the tests need, once:
# packages already installed are not asked for again.
# Usage: scripts/lib/deps.sh [extra-package ...]
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config git curl ca-certificates
  libpoco-dev libboost-dev libboost-filesystem-dev nlohmann-json3-dev
  libpq-dev libgtest-dev libgmock-dev libsqlite3-dev libsodium-dev libssl-dev openssl
  postgresql libvalijson-dev json-schema-test-suite iproute2 libhttp-parser-dev libyaml-cpp-dev
  docker.io
  prometheus chromium
  "$@"
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
