#!/bin/bash
# Usage: tinyproxy.sh PORT DIR [USER=tmsp-test] [PASS=tmsp-pass] [CONNECTPORT...]
# Runs tinyproxy in the foreground (exec, -d) on 127.0.0.1:PORT; logs go to stderr.
# Without CONNECTPORT args, CONNECT to any port is allowed; with them, only those.
# As root, runs as TP_RUN_USER (default nobody) via User/Group lines.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PORT=${1:?port}; DIR=${2:?dir}; U=${3:-tmsp-test}; P=${4:-tmsp-pass}; shift $(( $# < 4 ? $# : 4 ))
mkdir -p "$DIR"
CL=""; for p in "$@"; do CL+="ConnectPort $p"$'\n'; done
USER_LINES=""
if [ "$(id -u)" = 0 ]; then
  RU=${TP_RUN_USER:-nobody}
  USER_LINES="User $RU"$'\n'"Group $(id -gn "$RU")"
  chown "$RU" "$DIR"       # pid file is written after the privilege drop
fi
render "$(dirname "$0")/templates/tinyproxy.conf.in" "$DIR/tinyproxy.conf" \
  USER_LINES="${USER_LINES//$'\n'/\\n}" PORT="$PORT" USER="$U" PASS="$P" DIR="$DIR" CONNECT_LINES="${CL//$'\n'/\\n}"
exec tinyproxy -d -c "$DIR/tinyproxy.conf"
