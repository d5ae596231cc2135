#!/usr/bin/env bash
# A Docker Engine for tests, when the machine runs none.
#
#   docker.sh start DIR   write DIR/socket: the engine's socket (the machine's
#                         own when it answers, else a dockerd started here);
#                         or DIR/unavailable, saying why, when none can run
#   docker.sh stop DIR    stop the dockerd started here, remove DIR
#
# The engine started here has its own socket, data and exec roots under DIR,
# and no iptables rules: the tests' containers use no network or the host's.
set -euo pipefail

die() { echo "docker.sh: $*" >&2; exit 1; }
unavailable() {
  echo "$*" > "$dir/unavailable"
  echo "docker.sh: no Docker Engine for the tests: $*" >&2
  exit 0
}

ping_socket() { curl -sf --max-time 2 --unix-socket "$1" http://docker/_ping >/dev/null 2>&1; }

start() {
  stop # a dockerd an earlier start left (an interrupted run) goes first
  mkdir -p "$dir"
  for socket in /var/run/docker.sock /run/docker.sock; do
    if [[ -S $socket ]] && ping_socket "$socket"; then echo "$socket" > "$dir/socket"; return; fi
  done
  if ! command -v dockerd >/dev/null; then
    [[ $(id -u) -eq 0 ]] || unavailable "dockerd is not installed and installing it needs root (apt-get install docker.io)"
    if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then apt-get update -q >&2; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >&2 ||
      unavailable "apt-get install docker.io failed"
  fi
  [[ $(id -u) -eq 0 ]] || unavailable "dockerd needs root"
  # Short paths: a Unix socket's path has at most 107 bytes.
  local run; run=$(mktemp -d /tmp/orch-docker.XXXXXX)
  echo "$run" > "$dir/run"
  dockerd --host "unix://$run/docker.sock" --data-root "$run/data" --exec-root "$run/exec" \
    --pidfile "$run/dockerd.pid" --iptables=false --ip-masq=false --bridge=none \
    > "$dir/dockerd.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 150); do
    if ping_socket "$run/docker.sock"; then echo "$run/docker.sock" > "$dir/socket"; return; fi
    if ! kill -0 "$pid" 2>/dev/null; then unavailable "dockerd stopped at start: $(tail -n 3 "$dir/dockerd.log" | tr '\n' ' ')"; fi
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  unavailable "dockerd did not answer within 30 s: $(tail -n 3 "$dir/dockerd.log" | tr '\n' ' ')"
}

stop() {
  [[ -d $dir ]] || return 0
  if [[ -f $dir/run ]]; then
    local run; run=$(cat "$dir/run")
    if [[ -f $run/dockerd.pid ]]; then
      local pid; pid=$(cat "$run/dockerd.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    fi
    # What the engine mounted under its roots goes before its folders do.
    grep " $run/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r umount -l 2>/dev/null || true
    rm -rf "$run"
  fi
  rm -rf "$dir"
}

[[ $# -eq 2 ]] || die "usage: docker.sh start|stop DIR"
dir=$2
case $1 in
  start) start ;;
  stop) stop ;;
  *) die "usage: docker.sh start|stop DIR" ;;
esac
