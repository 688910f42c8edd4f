#!/bin/bash
# Boot the test image under qemu-system-aarch64 (-M virt, software emulation),
# serial console on standard output, no network card (the agent's peers in
# the image are on the loopback).
#
#   run.sh OUTDIR        env: MEM (MiB, 512), SMP (2), TIMEOUT (s, 300), APPEND
set -euo pipefail
OUT=${1:?usage: run.sh OUTDIR}
exec timeout "${TIMEOUT:-300}" qemu-system-aarch64 -M virt -cpu cortex-a57 -smp "${SMP:-2}" -m "${MEM:-512}" \
  -nographic -no-reboot -nic none \
  -kernel "$OUT/vmlinuz" -initrd "$OUT/initrd.cpio.gz" \
  -append "console=ttyAMA0 rdinit=/init panic=-1 quiet ${APPEND:-}"
