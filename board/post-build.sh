#!/bin/sh
# Buildroot post-build script: install the single executable into the
# target root. $1 is Buildroot's TARGET_DIR. The overlay itself comes in
# through BR2_ROOTFS_OVERLAY.
set -eu
TARGET_DIR=${1:?usage: post-build.sh TARGET_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
EXE=${TMSP_AGENT_EXE:-$HERE/../dist/linux-arm64/tmsp-agent}
if [ ! -x "$EXE" ]; then
	echo "post-build.sh: $EXE is missing: run 'npm ci && npm run build:arm64' in the tmsp-agent tree" >&2
	exit 1
fi
install -D -m 0755 "$EXE" "$TARGET_DIR/usr/bin/tmsp-agent"
