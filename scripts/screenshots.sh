#!/usr/bin/env bash
# Takes the README's screenshots of the real window under Xvfb, in practice
# mode, clicking with xdotool. A stand-in "browser" (curl) answers the
# practice server's sign-in, which is set to approve at once.
#
#   scripts/screenshots.sh [path/to/x-uploader]      (default: a release build)
#
# Needs: xvfb, xdotool, imagemagick, dbus, gnome-keyring, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-target/release/x-uploader}")
OUT=docs/screenshots
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'pkill -f "^$BIN" >/dev/null 2>&1 || true; kill $XVFB >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

export DISPLAY=:97
Xvfb :97 -screen 0 720x780x24 >/dev/null 2>&1 & XVFB=$!
sleep 1

# The stand-in browser: fetch the sign-in page and follow its redirects.
mkdir -p "$WORK/bin"
cat > "$WORK/bin/xdg-open" <<'EOF'
#!/bin/bash
(sleep "${BROWSER_DELAY:-1}"; curl -sL "$1" >/dev/null) &
EOF
chmod +x "$WORK/bin/xdg-open"

"$BIN" make-test-media video "$WORK/launch-event.mp4" --secs 48 --bytes 157286400
for i in 1 2 3 4; do "$BIN" make-test-media jpeg "$WORK/team-$i.jpg" --bytes 2300000; done

# Start the app in its own session (home $1) with the remaining arguments.
app() {
  local home=$1; shift
  mkdir -p "$home"
  (cd "$WORK" && HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" \
    PATH="$WORK/bin:$PATH" X_UPLOADER_PRACTICE_AUTO_APPROVE=1 \
    dbus-run-session -- bash -c 'echo -n demo | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"' bash \
    "$BIN" "$@" >"$home/app.log" 2>&1 &)
  sleep 4
}
stop() { pkill -f "^$BIN" >/dev/null 2>&1 || true; sleep 1; }
shot() { import -window root "$OUT/$1.png"; echo "took $OUT/$1.png"; }
click() { xdotool mousemove "$1" "$2" click 1; }
window() { xdotool search --name "X Uploader" | head -1; }

# 1. First start, no X app configured: the way into practice mode.
app "$WORK/h1"
shot welcome
stop

# 2. Practice mode, waiting for the browser (the stand-in takes its time).
BROWSER_DELAY=30 app "$WORK/h2" --practice
click 360 260; sleep 1.5
shot sign-in-waiting
stop

# 3. A video on a slow practice link: the chunk bar, then X's processing.
X_UPLOADER_PRACTICE_BANDWIDTH_MBPS=40 X_UPLOADER_PRACTICE_PROCESSING_SECS=20 \
  app "$WORK/h3" --practice "$WORK/launch-event.mp4"
click 360 260; sleep 14
shot video-uploading
sleep 30
shot video-processing
stop

# 4. Four photos with alt text, then posted.
app "$WORK/h4" --practice "$WORK"/team-{1,2,3,4}.jpg
click 360 260; sleep 5
xdotool windowfocus --sync "$(window)"
click 121 372; sleep 0.5; xdotool type --delay 10 "Ana and Sam at the launch stand"; xdotool key Return; sleep 0.5
click 464 372; sleep 0.5; xdotool type --delay 10 "The crowd at the keynote"; xdotool key Return; sleep 0.5
click 360 140; xdotool type --delay 10 "Our team at the launch event today. Thanks to everyone who came by! https://example.com/launch"
sleep 1
shot photos-with-alt-text
xdotool key ctrl+Return; sleep 3
shot posted
stop
