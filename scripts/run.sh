#!/usr/bin/env bash
# Builds and starts X Uploader on a fresh Debian machine (installs the few
# system libraries a desktop window needs if they are missing).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libxkbcommon-x11-0 libegl1 libgl1-mesa-dri libxcursor1 libxi6 libx11-xcb1 dbus gnome-keyring)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
exec cargo run --release -- "$@"
