#!/usr/bin/env bash
# Builds the .deb on a Debian machine: installs what it needs (cargo-deb,
# dpkg-dev for dpkg-shlibdeps), makes the optimised `dist` build, packages
# the binary, desktop entry, icons and AppStream metainfo, and checks the
# result. Prints the .deb's path last.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
missing=()
for p in dpkg-dev desktop-file-utils appstream; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
command -v cargo-deb >/dev/null 2>&1 || cargo install --locked cargo-deb

desktop-file-validate packaging/linux/*.desktop
appstreamcli validate --no-net packaging/linux/*.metainfo.xml

cargo deb --profile dist
deb=$(ls -t target/debian/x-uploader_*.deb | head -1)
echo "Contents:"
dpkg-deb -c "$deb" | awk '{print $6}'
ls -l "$deb"
echo "$deb"
