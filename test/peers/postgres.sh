#!/bin/bash
# Usage: postgres.sh PORT DIR USER PASSWORD
# Runs PostgreSQL (Debian's, /usr/lib/postgresql/<v>/bin) in the foreground (exec) on 127.0.0.1:PORT,
# its cluster made in DIR/data on first start, USER its superuser with PASSWORD (scram-sha-256 over TCP).
# PostgreSQL refuses to run as root: as root, DIR is handed to the postgres user and the server runs as it.
# fsync is off: a test cluster is thrown away, and the suite should not wait on a disk it does not keep.
set -euo pipefail
PORT=${1:?port}; DIR=${2:?dir}; U=${3:?user}; P=${4:?password}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
mkdir -p "$DIR"
AS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$DIR"
  AS=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  ( umask 077; printf '%s\n' "$P" > "$DIR/pwfile" )
  [ "$(id -u)" = 0 ] && chown postgres: "$DIR/pwfile"
  "${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U "$U" --pwfile="$DIR/pwfile" --auth-host=scram-sha-256 --auth-local=trust \
    -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
  rm -f "$DIR/pwfile"
fi
exec "${AS[@]}" "$BIN/postgres" -D "$DIR/data" -p "$PORT" -k "$DIR" -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB
