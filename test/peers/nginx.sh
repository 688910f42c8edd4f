#!/bin/bash
# Usage: nginx.sh PORT DIR CERTDIR [CERTNAME=server] [USER=tmsp-test] [PASS=tmsp-pass]
# Runs nginx in the foreground (exec) as WebDAV-over-HTTPS server on 127.0.0.1:PORT.
#   DIR/www/upload/  upload root (https://127.0.0.1:PORT/upload/...)
#   DIR/nginx.pid    master pid; workers: pgrep -P $(cat DIR/nginx.pid)
# CERTNAME picks CERTDIR/CERTNAME.pem + key: server | expired | notyet | wronghost | untrusted
#   (notyet uses expired.key).
# As root, workers run as NGINX_USER (default nobody:nogroup); DIR gets chmod 755 and
# www/ + tmp/ are chowned to it. As non-root, no `user` line is written.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PORT=${1:?port}; DIR=${2:?dir}; CERTDIR=${3:?certdir}; CN=${4:-server}
U=${5:-tmsp-test}; P=${6:-tmsp-pass}
KEY=$CERTDIR/$CN.key; [ "$CN" = notyet ] && KEY=$CERTDIR/expired.key
mkdir -p "$DIR"/www/upload "$DIR"/www/strict "$DIR"/tmp
printf '%s:%s\n' "$U" "$(openssl passwd -apr1 "$P")" > "$DIR/htpasswd"
USER_LINE=""
if [ "$(id -u)" = 0 ]; then
  NU=${NGINX_USER:-nobody}; NG=${NGINX_GROUP:-$(id -gn "$NU")}
  USER_LINE="user $NU $NG;"
  chmod 755 "$DIR"                       # mktemp -d makes 0700: workers must traverse it
  chown -R "$NU:$NG" "$DIR/www" "$DIR/tmp"
  chmod 644 "$DIR/htpasswd"              # read by workers
  runuser -u "$NU" -- test -w "$DIR/www/upload" -a -r "$DIR/htpasswd" || {
    echo "nginx.sh: worker user $NU cannot reach $DIR (a parent dir is not traversable, e.g. mktemp -d 0700): chmod 755 the parents" >&2; exit 1; }
fi
render "$(dirname "$0")/templates/nginx.conf.in" "$DIR/nginx.conf" \
  USER_LINE="$USER_LINE" DIR="$DIR" PORT="$PORT" CERT="$CERTDIR/$CN.pem" KEY="$KEY"
nginx -t -q -e stderr -p "$DIR" -c "$DIR/nginx.conf" -g "daemon off; pid $DIR/nginx.pid; error_log stderr notice;"
exec nginx -e stderr -p "$DIR" -c "$DIR/nginx.conf" -g "daemon off; pid $DIR/nginx.pid; error_log stderr notice;"
