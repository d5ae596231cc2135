#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests.
#
#   postgres.sh start DIR   start a fresh server owned by DIR, write its URL to DIR/url
#   postgres.sh stop DIR    stop it and remove DIR
#
# The server listens on 127.0.0.1 only, on a free port, with trust authentication
# and fsync off: it holds test data and nothing else. It refuses to run as root, so
# as root it runs as the system user `orchtest` (created when missing).
set -euo pipefail

readonly SERVER_USER=orchtest
readonly DB_USER=orch
readonly DB_NAME=orch_test

die() { echo "postgres.sh: $*" >&2; exit 1; }

# Prints the bin directory of the newest PostgreSQL server installed, or nothing.
find_server_bin() {
  local dir
  while IFS= read -r dir; do
    if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then echo "$dir"; return; fi
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
}

install_server() {
  [[ $(id -u) -eq 0 ]] || die "no PostgreSQL server in /usr/lib/postgresql and not root to install one (apt-get install postgresql)"
  echo "postgres.sh: installing PostgreSQL with apt-get" >&2
  # A fresh container has no package lists yet.
  if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then apt-get update -q >&2; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2
}

server_bin() {
  local bin
  bin=$(find_server_bin)
  if [[ -z $bin ]]; then install_server; bin=$(find_server_bin); fi
  [[ -n $bin ]] || die "PostgreSQL server binaries not found after installation"
  echo "$bin"
}

# The user the server runs as: ourselves, or a system user when we are root.
server_user() {
  if [[ $(id -u) -ne 0 ]]; then id -un; return; fi
  if ! id -u "$SERVER_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SERVER_USER"
  fi
  echo "$SERVER_USER"
}

# Runs a command as the owner of the given path (root cannot run the server).
as_owner_of() {
  local path=$1; shift
  local owner
  owner=$(stat -c %U "$path")
  if [[ $(id -un) == "$owner" ]]; then "$@"; else runuser -u "$owner" -- "$@"; fi
}

# Where the server keeps its data directory, socket and log: DIR itself, unless
# the server user cannot reach it (a checkout under /root) or a socket path in it
# would be too long, then a private directory under /tmp recorded in DIR/home.
make_server_home() {
  local dir=$1 user=$2 home=$1
  chown "$user" "$dir" 2>/dev/null || true
  if (( ${#dir} > 80 )) || ! as_owner_of "$dir" test -w "$dir" -a -x "$dir"; then
    home=$(mktemp -d /tmp/orch-postgres.XXXXXX)
    chown "$user" "$home" 2>/dev/null || true
  fi
  echo "$home" > "$dir/home"
  echo "$home"
}

# A port nobody listens on, probed with nothing but bash.
pick_free_port() {
  local port
  while true; do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
}

stop_server() {
  local dir=$1 bin home
  [[ -f $dir/home ]] || return 0
  home=$(<"$dir/home")
  if [[ -f $home/data/postmaster.pid ]]; then
    bin=$(find_server_bin)
    if [[ -n $bin ]]; then
      # A server that died with its machine leaves postmaster.pid behind.
      as_owner_of "$home/data" "$bin/pg_ctl" stop -D "$home/data" -m fast -w -t 60 >/dev/null 2>&1 || true
    fi
  fi
  if [[ $home != "$dir" ]]; then rm -rf -- "$home"; fi
}

start_server() {
  local dir=$1 bin user home port
  bin=$(server_bin)
  stop_server "$dir"
  rm -rf -- "$dir"
  mkdir -p "$dir"
  user=$(server_user)
  home=$(make_server_home "$dir" "$user")

  as_owner_of "$home" "$bin/initdb" -D "$home/data" -A trust -U "$DB_USER" -E UTF8 --locale=C --no-sync >"$home/initdb.log" 2>&1 \
    || { cat "$home/initdb.log" >&2; die "initdb failed"; }

  # Another process may take the probed port before the server binds it: retry.
  for _ in 1 2 3 4 5; do
    port=$(pick_free_port)
    write_config "$home" "$port"
    if as_owner_of "$home" "$bin/pg_ctl" start -D "$home/data" -l "$home/postgres.log" -w -t 60 >/dev/null; then
      "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME"
      echo "postgresql://$DB_USER@127.0.0.1:$port/$DB_NAME" | tee "$dir/url"
      return
    fi
    tail -n 20 "$home/postgres.log" >&2 || true
  done
  die "the server did not start (log: $home/postgres.log)"
}

write_config() {
  local home=$1 port=$2
  as_owner_of "$home/data" tee "$home/data/postgresql.auto.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$home'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

main() {
  [[ $# -eq 2 ]] || die "usage: postgres.sh start|stop DIR"
  local dir
  dir=$(realpath -m -- "$2")
  case $1 in
    start) start_server "$dir" ;;
    stop) stop_server "$dir"; rm -rf -- "$dir" ;;
    *) die "unknown command '$1' (start or stop)" ;;
  esac
}

main "$@"
