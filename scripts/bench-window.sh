#!/usr/bin/env bash
# The window's figures, measured with --perf-log on the release build under
# Xvfb in practice mode: startup to first frame; frame CPU time (p50, p99)
# and frames per second while a 500 MB video uploads and while four photos
# upload; frames per second while idle; the binary's size.
# Writes docs/benchmarks/window.md. Needs xvfb, xdotool, dbus, gnome-keyring, curl.
#   [SHOTS=DIR] [BUILD_NOTE="which build"] scripts/bench-window.sh [path/to/x-uploader]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-target/release/x-uploader}")
WORK=$(mktemp -d)
XVFB=
# Only the apps this script started (their --perf-log is under $WORK).
trap 'pkill -f -- "--perf-log $WORK/" >/dev/null 2>&1 || true; [ -z "$XVFB" ] || kill $XVFB >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
export DISPLAY=:96
Xvfb :96 -screen 0 720x780x24 >/dev/null 2>&1 & XVFB=$!
sleep 1
kill -0 $XVFB 2>/dev/null || { echo "Xvfb could not start on $DISPLAY (taken?)" >&2; exit 1; }
mkdir -p "$WORK/bin"
printf '#!/bin/bash\n(sleep 1; curl -sL "$1" >/dev/null) &\n' > "$WORK/bin/xdg-open"; chmod +x "$WORK/bin/xdg-open"
"$BIN" make-test-media video "$WORK/video.mp4" --secs 60 --bytes 524288000
for i in 1 2 3 4; do "$BIN" make-test-media jpeg "$WORK/photo-$i.jpg" --bytes 4500000; done

# run NAME MBPS FILES...: start, sign in, wait until quiet, stay idle 10 s.
run() {
  local name=$1 mbps=$2; shift 2
  local home="$WORK/$name"; mkdir -p "$home"
  date +%s%3N > "$home/launched"
  (HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" PATH="$WORK/bin:$PATH" \
    X_UPLOADER_PRACTICE_AUTO_APPROVE=1 X_UPLOADER_PRACTICE_BANDWIDTH_MBPS=$mbps X_UPLOADER_PRACTICE_PROCESSING_SECS=4 \
    dbus-run-session -- bash -c 'echo -n b | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"' bash \
    "$BIN" --practice --perf-log "$home/perf.csv" "$@" >"$home/app.log" 2>&1 &)
  sleep 4
  date +%s%3N > "$home/clicked"
  xdotool mousemove 360 260 click 1
  # Busy until no frame for 8 s (uploads and processing done; at 20 Mbit/s a
  # photo's first chunk alone takes 5 s without a frame); 10 min at most.
  local last=0 same=0 waited=0
  while [ $same -lt 16 ]; do
    sleep 0.5; waited=$((waited + 1))
    [ $waited -lt 1200 ] || { echo "$name: still busy after 10 minutes" >&2; tail "$home/app.log" >&2; exit 1; }
    local now; now=$(wc -l < "$home/perf.csv" 2>/dev/null || echo 0)
    if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; last=$now; fi
  done
  # An upload of this size draws many frames; a handful means the click missed.
  if [ "$last" -lt 20 ]; then echo "$name: only $last frames: did sign-in work?" >&2; tail "$home/app.log" >&2; exit 1; fi
  date +%s%3N > "$home/idle_from"
  sleep 10
  date +%s%3N > "$home/idle_to"
  # SHOTS=DIR keeps a screenshot of how each run ended.
  if [ -n "${SHOTS:-}" ]; then mkdir -p "$SHOTS"; import -window root "$SHOTS/$name.png"; fi
  pkill -f -- "--perf-log $home/perf.csv" || true; sleep 1
}

run video 200 "$WORK/video.mp4"
run photos 20 "$WORK"/photo-{1,2,3,4}.jpg

# stats FILE FROM_MS TO_MS -> "frames p50_ms p99_ms fps"
stats() {
  awk -F, -v from="$2" -v to="$3" 'NR > 1 && $1 >= from && $1 <= to { print $3 / 1000 }' "$1" | sort -n > "$WORK/sel"
  local n; n=$(wc -l < "$WORK/sel")
  if [ "$n" -eq 0 ]; then echo "0 - - 0.0"; return; fi
  local p50 p99
  p50=$(awk -v n="$n" 'NR == int(n * 0.50) + 1' "$WORK/sel")
  p99=$(awk -v n="$n" 'NR == int(n * 0.99) + 1' "$WORK/sel")
  [ -n "$p99" ] || p99=$(tail -1 "$WORK/sel")
  echo "$n $p50 $p99 $(awk -v n="$n" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / ((b - a) / 1000) }')"
}
row() {
  local home="$WORK/$1"
  local clicked idle_from idle_to first
  clicked=$(cat "$home/clicked"); idle_from=$(cat "$home/idle_from"); idle_to=$(cat "$home/idle_to")
  read -r bn b50 b99 bfps <<< "$(stats "$home/perf.csv" "$clicked" "$idle_from")"
  read -r in i50 i99 ifps <<< "$(stats "$home/perf.csv" "$idle_from" "$idle_to")"
  echo "| $2 | $bn | $b50 ms | $b99 ms | $bfps | $in in 10 s ($ifps/s) |"
}
first=$(awk -F, 'NR == 2 { print $1 }' "$WORK/video/perf.csv")
startup=$(( first - $(cat "$WORK/video/launched") ))
size=$(stat -c %s "$BIN")
{
  echo "# The window's figures"
  echo
  echo "${BUILD_NOTE:-Release build}, practice mode under Xvfb (software rendering), \`--perf-log\`; made by \`scripts/bench-window.sh\` on $(date +%F)."
  echo "*Frame CPU time* is the CPU time of the app's own frame code (thread CPU clock), per frame."
  echo "The app draws a frame only when something changes (an upload event, a countdown) and none while idle."
  echo
  echo "| run | frames while busy | frame CPU p50 | frame CPU p99 | frames/s busy | idle (after everything finished) |"
  echo "|---|---|---|---|---|---|"
  row video "500 MB video (125 chunks) at 200 Mbit/s, then X processing"
  row photos "four 4.3 MB photos at 20 Mbit/s"
  echo
  echo "- Startup to first frame: ${startup} ms (from launching the process, including starting the practice server)."
  echo "- Release binary: $(awk -v s="$size" 'BEGIN { printf "%.1f MiB (%d bytes)", s / 1048576, s }') (stripped)."
} > "$WORK/window.md"
mv "$WORK/window.md" docs/benchmarks/window.md
cat docs/benchmarks/window.md
