#!/usr/bin/env bash
# Runs every test on a fresh Debian machine: installs what the tests need
# (a D-Bus session and gnome-keyring for the real Secret Service, Xvfb for
# tests that open a window), then checks formatting, lints and runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(dbus dbus-x11 gnome-keyring libsecret-tools xvfb xauth time procps desktop-file-utils appstream ffmpeg imagemagick libheif-examples libimage-exiftool-perl)
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

cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings

# The desktop entry and AppStream metainfo the .deb installs.
desktop-file-validate packaging/linux/*.desktop
appstreamcli validate --no-net packaging/linux/*.metainfo.xml

# A private session bus and an unlocked keyring in a fresh data dir: the
# keychain tests use the real Secret Service and never touch a user's own.
export XDG_DATA_HOME="$(mktemp -d)"
export XDG_CONFIG_HOME="$(mktemp -d)"
exec dbus-run-session -- bash -c '
  echo -n "x-uploader-tests" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec xvfb-run -a -s "-screen 0 1280x1024x24" cargo test --all-targets "$@"
' bash "$@"
