#!/bin/bash
# Download arm64 Debian packages without touching the host's dpkg: a private
# APT configuration (APT::Architecture "arm64", its own state and cache, an
# empty status file). Downloads are cached in $TMSP_AGENT_CACHE
# (default ~/.cache/tmsp-agent) across runs and clones.
#
#   fetch.sh PKG...          download (cached) and print the .deb paths
#   fetch.sh --kernel        resolve linux-image-arm64 to its versioned package, download it, print the path
set -euo pipefail
CACHE=${TMSP_AGENT_CACHE:-$HOME/.cache/tmsp-agent}
R=$CACHE/apt-arm64
DEBS=$CACHE/debs-arm64
mkdir -p "$R"/{state/lists/partial,cache/archives/partial,etc/apt.conf.d,etc/preferences.d,etc/sources.list.d} "$DEBS"
[ -e "$R/state/status" ] || : > "$R/state/status"
cat > "$R/etc/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
SRC
cat > "$R/apt.conf" <<CONF
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
Dir::State "$R/state";
Dir::State::status "$R/state/status";
Dir::Cache "$R/cache";
Dir::Etc "$R/etc";
Dir::Etc::SourceList "$R/etc/sources.list";
Dir::Etc::SourceParts "$R/etc/sources.list.d";
Dir::Etc::Parts "$R/etc/apt.conf.d";
Dir::Etc::Preferences "$R/etc/preferences";
Dir::Etc::PreferencesParts "$R/etc/preferences.d";
Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d";
Acquire::Languages "none";
APT::Sandbox::User "root";
CONF
export APT_CONFIG=$R/apt.conf
# Package lists older than a day are refreshed; otherwise the cache answers.
if [ -z "$(find "$R/state/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
  apt-get -qq update >&2
fi
pkgs=("$@")
if [ "${1:-}" = --kernel ]; then
  pkgs=("$(apt-cache depends linux-image-arm64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-arm64\)$/\1/p' | head -1)")
  [ -n "${pkgs[0]}" ] || { echo "fetch.sh: cannot resolve linux-image-arm64" >&2; exit 1; }
fi
cd "$DEBS"
for p in "${pkgs[@]}"; do
  ls "${p}"_*_arm64.deb >/dev/null 2>&1 || apt-get -qq download "$p" >&2
  ls "$DEBS/${p}"_*_arm64.deb | tail -1
done
