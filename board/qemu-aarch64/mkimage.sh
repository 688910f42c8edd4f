#!/bin/bash
# Assemble a bootable arm64 test image: a Debian arm64 kernel, and an
# initramfs of BusyBox, the C libraries the executable needs, the board
# skeleton, rootfs-overlay/ and dist/linux-arm64/tmsp-agent.
#
#   mkimage.sh OUTDIR [EXTRA_OVERLAY_DIR...]
#
# Writes OUTDIR/vmlinuz and OUTDIR/initrd.cpio.gz. Extra overlay directories
# are laid on top (the boot test adds its own S99 script this way).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: mkimage.sh OUTDIR [EXTRA_OVERLAY_DIR...]}; shift
EXE=${EXE:-$ROOT/dist/linux-arm64/tmsp-agent}
[ -x "$EXE" ] || { echo "mkimage.sh: $EXE is missing: npm run build:arm64" >&2; exit 1; }
mkdir -p "$OUT"

kernel=$("$HERE/fetch.sh" --kernel)
mapfile -t libs < <("$HERE/fetch.sh" busybox-static libc6 libstdc++6 libgcc-s1)

# The kernel: bookworm's arm64 vmlinuz is a plain EFI-stub Image, which -kernel boots as it is.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg -x "$kernel" "$work/kernel"
cp "$work"/kernel/boot/vmlinuz-* "$OUT/vmlinuz"

sysroot=$work/sysroot
for deb in "${libs[@]}"; do dpkg -x "$deb" "$sysroot"; done

R=$work/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,lib/aarch64-linux-gnu,proc,sys,dev,run,tmp,etc,data,config,root}
cp "$sysroot/bin/busybox" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
ln -s ../bin/busybox "$R/sbin/init"
cp -a "$HERE/skeleton/." "$R/"
cp -a "$ROOT/rootfs-overlay/." "$R/"
for extra in "$@"; do cp -a "$extra/." "$R/"; done
find "$R" -name .keep -delete
install -m 755 "$EXE" "$R/usr/bin/tmsp-agent"

# The executable's shared libraries, and theirs, from the arm64 packages.
copy_libs() {
  local lib src
  for lib in $(aarch64-linux-gnu-readelf -d "$1" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
    [ -e "$R/lib/aarch64-linux-gnu/$lib" ] && continue
    src=
    for c in "$sysroot"/lib/aarch64-linux-gnu/$lib "$sysroot"/usr/lib/aarch64-linux-gnu/$lib; do
      [ -e "$c" ] && { src=$c; break; }
    done
    [ -n "$src" ] || { echo "mkimage.sh: $lib not found for $1" >&2; exit 1; }
    cp -L "$src" "$R/lib/aarch64-linux-gnu/$lib"
    copy_libs "$src"
  done
}
copy_libs "$EXE"
# The addons unpacked at run time need libstdc++ and libm too.
for lib in libstdc++.so.6 libm.so.6 libgcc_s.so.1; do
  [ -e "$R/lib/aarch64-linux-gnu/$lib" ] || cp -L "$sysroot"/usr/lib/aarch64-linux-gnu/$lib "$sysroot"/lib/aarch64-linux-gnu/$lib "$R/lib/aarch64-linux-gnu/" 2>/dev/null || true
done
cp -L "$sysroot/lib/ld-linux-aarch64.so.1" "$R/lib/ld-linux-aarch64.so.1"

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -4 > "$OUT/initrd.cpio.gz"
echo "mkimage.sh: $OUT/vmlinuz ($(du -h "$OUT/vmlinuz" | cut -f1)), $OUT/initrd.cpio.gz ($(du -h "$OUT/initrd.cpio.gz" | cut -f1))"
