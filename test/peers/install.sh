#!/usr/bin/env bash
# Install every Debian package the build and the tests use (the list is
# .ci/debian-packages), by name and unconditionally: apt-get is idempotent,
# and a probe for a command would pass on a machine set up by hand and fail
# on a fresh one. The packages' own services are kept from starting: the tests
# start their own servers on random loopback ports.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=$here/../../.ci/debian-packages
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$list")

if [ "$(id -u)" != 0 ]; then
  echo "install.sh: must run as root to install: ${pkgs[*]}" >&2
  exit 1
fi
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then saved=$(mktemp); cp -p "$policy" "$saved"; fi
printf '#!/bin/sh\nexit 101\n' > "$policy"
chmod 755 "$policy"
restore() { if [ -n "$saved" ]; then mv "$saved" "$policy"; else rm -f "$policy"; fi; }
trap restore EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
