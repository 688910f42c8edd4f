#!/bin/bash
# Usage: mosquitto.sh PORT DIR CERTDIR [CERTNAME=server] [ID=+]
# env: MQ_USER=tmsp-test MQ_PASS=tmsp-pass MQ_MON_USER=tmsp-monitor MQ_MON_PASS=monitor-pass
# Runs mosquitto in the foreground (exec) with a TLS listener on 127.0.0.1:PORT.
# ID = the device id the agent user may publish under (tmsp/v1/ID/#); '+' = any.
# env MQ_PASSWORD_FILE + MQ_ACL_FILE: use these (the portal's, kept by its account
# commands) instead of making a password file and ACL for the users above.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PORT=${1:?port}; DIR=${2:?dir}; CERTDIR=${3:?certdir}; CN=${4:-server}; ID=${5:-+}
U=${MQ_USER:-tmsp-test}; P=${MQ_PASS:-tmsp-pass}
MU=${MQ_MON_USER:-tmsp-monitor}; MP=${MQ_MON_PASS:-monitor-pass}
KEY=$CERTDIR/$CN.key; [ "$CN" = notyet ] && KEY=$CERTDIR/expired.key
mkdir -p "$DIR"
PASSWD=${MQ_PASSWORD_FILE:-$DIR/passwd}; ACL=${MQ_ACL_FILE:-$DIR/acl}
if [ -z "${MQ_PASSWORD_FILE:-}" ]; then
  rm -f "$DIR/passwd"
  ( umask 077
    mosquitto_passwd -c -b "$DIR/passwd" "$U" "$P"
    mosquitto_passwd -b "$DIR/passwd" "$MU" "$MP"
    render "$(dirname "$0")/templates/mosquitto.acl.in" "$DIR/acl" USER="$U" MONUSER="$MU" ID="$ID" )
fi
# Mosquitto 2.0.11 opens password/acl files and TLS cert/key AFTER dropping privileges
# (as root it setuid()s to user 'mosquitto' unless `user` says otherwise). So: copy the
# TLS material into DIR and, when root, chown DIR to the run user; keep everything 0600/0700.
install -m 644 "$CERTDIR/ca.pem" "$DIR/ca.pem"
install -m 644 "$CERTDIR/$CN.pem" "$DIR/cert.pem"
install -m 600 "$KEY" "$DIR/key.pem"
chmod 700 "$DIR"
USER_LINE=""
if [ "$(id -u)" = 0 ]; then
  RU=${MQ_RUN_USER:-mosquitto}
  USER_LINE="user $RU"
  chown -R "$RU:" "$DIR"
  chown "$RU:" "$PASSWD" "$ACL"
  runuser -u "$RU" -- test -r "$PASSWD" || {
    echo "mosquitto.sh: user $RU cannot reach $DIR (a parent dir is not traversable, e.g. mktemp -d 0700): chmod 755 the parents" >&2; exit 1; }
fi
render "$(dirname "$0")/templates/mosquitto.conf.in" "$DIR/mosquitto.conf" \
  DIR="$DIR" PASSWD="$PASSWD" ACL="$ACL" PORT="$PORT" CA="$DIR/ca.pem" CERT="$DIR/cert.pem" KEY="$DIR/key.pem" USER_LINE="$USER_LINE"
exec mosquitto -c "$DIR/mosquitto.conf"
