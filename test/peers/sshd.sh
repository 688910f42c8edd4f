#!/bin/bash
# Usage: sshd.sh PORT DIR [USER=tmsp-test] [PASS=tmsp-pass]
# Must run as root (password check reads /etc/shadow). Runs sshd in the foreground (exec -D -e),
# logs on stderr, SFTP only (internal-sftp), uploads in DIR/upload (owned by USER).
# Creates USER (useradd -m, shell /usr/sbin/nologin) if missing and (re)sets its password.
# Writes DIR/hostkey.sha256 = "SHA256:<base64 no padding>" of the host key (as ssh-keygen -l).
# env SSHD_USEPAM=no|yes (default no).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PORT=${1:?port}; DIR=${2:?dir}; U=${3:-tmsp-test}; P=${4:-tmsp-pass}
[ "$(id -u)" = 0 ] || { echo "sshd.sh: must run as root" >&2; exit 1; }
id "$U" >/dev/null 2>&1 || useradd -m -s /usr/sbin/nologin "$U"
echo "$U:$P" | chpasswd
mkdir -p /run/sshd && chmod 755 /run/sshd        # privilege-separation dir (tmpfs, gone after reboot)
mkdir -p "$DIR/upload"; chmod 755 "$DIR"; chown "$U:" "$DIR/upload"
: > "$DIR/authorized_keys"
[ -f "$DIR/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C tmsp-test-host -f "$DIR/ssh_host_ed25519_key"
ssh-keygen -l -E sha256 -f "$DIR/ssh_host_ed25519_key.pub" | awk '{print $2}' > "$DIR/hostkey.sha256"
render "$(dirname "$0")/templates/sshd_config.in" "$DIR/sshd_config" DIR="$DIR" USER="$U" USEPAM="${SSHD_USEPAM:-no}"
/usr/sbin/sshd -t -f "$DIR/sshd_config" -p "$PORT" -o ListenAddress=127.0.0.1
exec /usr/sbin/sshd -D -e -f "$DIR/sshd_config" -p "$PORT" -o ListenAddress=127.0.0.1
