#!/usr/bin/env bash
# Takes the README's screenshots of the real window under Xvfb, in practice
# mode, clicking with xdotool. A stand-in "browser" (curl) answers the
# practice server's sign-in, which is set to approve at once.
#
#   scripts/screenshots.sh [path/to/x-uploader]      (default: a release build)
#   SCREENSHOTS_ONLY=media_tiles scripts/screenshots.sh …   (one scene function:
#                                      media_tiles, captions_scene, thread_scene,
#                                      close_scene, thread_queue_scene,
#                                      settings_scene, instance_scene)
#   SCREENSHOT_DISPLAY=98 …                                  (another Xvfb display)
#
# Needs: xvfb, xdotool, imagemagick, dbus, gnome-keyring, curl, ffmpeg, exiftool
# (and openbox for the close question).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-target/release/x-uploader}")
OUT=docs/screenshots
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'pkill -f "^$BIN" >/dev/null 2>&1 || true; kill $XVFB >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

export DISPLAY=:${SCREENSHOT_DISPLAY:-97}
Xvfb "$DISPLAY" -screen 0 720x780x24 >/dev/null 2>&1 & XVFB=$!
sleep 1

# The stand-in browser: fetch the sign-in page and follow its redirects.
mkdir -p "$WORK/bin"
cat > "$WORK/bin/xdg-open" <<'EOF'
#!/bin/bash
(sleep "${BROWSER_DELAY:-1}"; curl -sL "$1" >/dev/null) &
EOF
chmod +x "$WORK/bin/xdg-open"

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

# Write a post, then Post at… tomorrow 09:30 and Schedule post.
post_tomorrow_morning() {
  click 360 140; sleep 0.5; xdotool type --delay 10 "$1"
  sleep 1; click 420 748; sleep 1.5
  click 347 382; sleep 0.5; xdotool key ctrl+a; sleep 0.3; xdotool type --delay 20 "tomorrow"; sleep 0.5
  click 347 411; sleep 0.5; xdotool key ctrl+a; sleep 0.3; xdotool type --delay 20 "09:30"; sleep 0.5
  click 210 467; sleep 3
}

# What the app does to files from phones and cameras (the practice server
# is found through the app's log, where practice mode says its address).
media_tiles() {
  # 5. A 24 MP camera JPEG made to fit X, and a phone photo sent without
  #    where it was taken.
  ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi \
    -i "mandelbrot=size=1500x1000:start_scale=2.5:inner=convergence" -frames:v 1 "$WORK/frame.png"
  convert "$WORK/frame.png" -resize 6000x4000! -attenuate 0.35 +noise Gaussian -quality 94 "$WORK/DSC_0193.jpg"
  convert -size 1600x1200 plasma:orange-navy -quality 85 "$WORK/IMG_2041.jpg"
  exiftool -q -overwrite_original -GPSLatitude=40.4168 -GPSLatitudeRef=N \
    -GPSLongitude=3.7038 -GPSLongitudeRef=W "$WORK/IMG_2041.jpg"
  app "$WORK/h5" --practice "$WORK/DSC_0193.jpg" "$WORK/IMG_2041.jpg"
  # Its picture, from the camera's file, comes while it is made smaller
  # (decoding 24 MP takes a moment; longer in a debug build: PREVIEW_WAIT).
  click 360 260; sleep "${PREVIEW_WAIT:-3}"
  shot photo-making-it-smaller
  # Shrinking takes 0.6 s in a release build, much longer in a debug one.
  sleep "${SHRINK_WAIT:-20}"
  shot photos-made-to-fit
  stop

  # 6. An iPhone-like HEVC video X's processing refuses: "Convert for X",
  #    then converting with its progress bar.
  ffmpeg -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i "mandelbrot=size=1280x720:rate=30:start_scale=1.5" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 40 \
    -c:v libx265 -preset ultrafast -x265-params log-level=error -tag:v hvc1 -c:a aac \
    "$WORK/IMG_0420.mov"
  X_UPLOADER_PRACTICE_PROCESSING_SECS=2 app "$WORK/h6" --practice "$WORK/IMG_0420.mov"
  local base
  base=$(grep -rhoa 'practice mode on http://[0-9.:]*' "$WORK/h6" | head -1 | sed 's/.* on //')
  curl -s -X POST -H 'content-type: application/json' -d '{}' "$base/_practice/fail-processing" >/dev/null
  click 360 260; sleep 12
  shot video-convert-offer
  xdotool windowfocus --sync "$(window)"
  click 79 412; sleep 4
  shot video-converting
  stop
}

# A video tile with captions in two languages; then "Who can reply" opened
# next to Post (SCREENSHOTS_ONLY=captions_scene).
captions_scene() {
  ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i testsrc2=size=640x360:rate=25 \
    -f lavfi -i sine=frequency=440 -t 20 -c:v libx264 -pix_fmt yuv420p -c:a aac "$WORK/talk.mp4"
  mkdir -p "$WORK/subs"
  printf '1\n00:00:00,500 --> 00:00:03,000\nWelcome to the launch.\n' >"$WORK/subs/talk.en.srt"
  printf '1\n00:00:00,500 --> 00:00:03,000\nBienvenidos al lanzamiento.\n' >"$WORK/subs/talk.es.srt"
  X_UPLOADER_PRACTICE_PROCESSING_SECS=2 \
    app "$WORK/h7" --practice "$WORK/talk.mp4" "$WORK"/subs/talk.{en,es}.srt
  click 360 260; sleep 12
  xdotool windowfocus --sync "$(window)"
  click 360 140; xdotool type --delay 10 "Our launch talk, with English and Spanish captions."
  sleep 1
  shot video-captions
  click 545 758; sleep 1
  shot who-can-reply
  stop
}

# 7. The queue: two posts scheduled with "Post at…" (its dialog at the
#    next full hour, then tomorrow 09:30).
queue_scene() {
  for i in 1 2; do "$BIN" make-test-media jpeg "$WORK/team-$i.jpg" --bytes 2300000; done
  TZ=Europe/Berlin app "$WORK/h8" --practice "$WORK"/team-{1,2}.jpg
  click 360 260; sleep 8
  xdotool windowfocus --sync "$(window)"
  click 360 140; sleep 0.5; xdotool type --delay 10 "Our team at the launch stand, live from the hall"
  sleep 1; click 420 748; sleep 1.5
  shot post-at
  click 210 467; sleep 2
  post_tomorrow_morning "Keynote recap: the three things we announced"
  shot queue
  stop
}

# A thread being composed: two photos with alt text, a video, a last post
# of text (the draft is written as the window keeps it, then opened;
# SCREENSHOTS_ONLY=thread_scene).
thread_scene() {
  local home="$WORK/h-thread" media="$WORK"
  for i in 1 2; do [ -f "$WORK/team-$i.jpg" ] || "$BIN" make-test-media jpeg "$WORK/team-$i.jpg" --bytes 2300000; done
  [ -f "$WORK/launch-event.mp4" ] || "$BIN" make-test-media video "$WORK/launch-event.mp4" --secs 48 --bytes 157286400
  mkdir -p "$home/data/x-uploader/drafts"
  cat > "$home/data/x-uploader/drafts/practice.json" <<JSON
{"posts": [
  {"text": "We're at the Lisbon fair all week: hall 4, stand 12. A thread with the highlights:",
   "items": [{"path": "$media/team-1.jpg", "alt": "Ana and Sam at the stand"},
             {"path": "$media/team-2.jpg", "alt": "The crowd at the keynote"}]},
  {"text": "The opening, in under a minute:", "items": [{"path": "$media/launch-event.mp4"}]},
  {"text": "Come say hello tomorrow from 10:00. Free coffee while it lasts!", "items": []}
]}
JSON
  X_UPLOADER_PRACTICE_BANDWIDTH_MBPS=40 app "$home" --practice
  click 360 260; sleep 12
  shot thread
  stop
}

# 8. Closing the window while a post waits: the question. A window manager
#    (openbox) sends the close as a desktop does; with no tray host here the
#    window is said to stay in the taskbar (SCREENSHOTS_ONLY=close_scene).
close_scene() {
  if ! command -v openbox >/dev/null; then
    echo "close_scene skipped: it needs openbox (apt-get install openbox)"; return 0
  fi
  app "$WORK/h-close" --practice
  click 360 260; sleep 8
  xdotool windowfocus --sync "$(window)"
  click 360 140; sleep 0.5; xdotool type --delay 10 "Doors open at 18:00: see you at the launch party"
  sleep 1; click 420 748; sleep 1.5
  click 210 467; sleep 3
  openbox >/dev/null 2>&1 & local wm=$!
  sleep 2
  xdotool windowactivate --sync "$(window)"; sleep 0.5
  xdotool key alt+F4; sleep 1.5
  shot close-while-waiting
  stop
  kill "$wm" >/dev/null 2>&1 || true
}

# A thread scheduled with "Post at…" waiting in the queue next to a post
# X's servers failed to take, which tries again by itself
# (SCREENSHOTS_ONLY=thread_queue_scene).
thread_queue_scene() {
  local home="$WORK/h-thread-queue" media="$WORK"
  [ -f "$WORK/team-1.jpg" ] || "$BIN" make-test-media jpeg "$WORK/team-1.jpg" --bytes 2300000
  [ -f "$WORK/opening.mp4" ] || "$BIN" make-test-media video "$WORK/opening.mp4" --secs 8 --bytes 3000000
  mkdir -p "$home/data/x-uploader/drafts"
  cat > "$home/data/x-uploader/drafts/practice.json" <<JSON
{"posts": [
  {"text": "Our team at the Lisbon fair: hall 4, stand 12. A thread:",
   "items": [{"path": "$media/team-1.jpg", "alt": "Ana and Sam at the stand"}]},
  {"text": "The opening, in 8 seconds:", "items": [{"path": "$media/opening.mp4"}]},
  {"text": "Come say hello tomorrow from 10:00.", "items": []}
]}
JSON
  TZ=Europe/Berlin app "$home" --practice
  click 360 260; sleep 10
  xdotool windowfocus --sync "$(window)"
  # Post at… (the next full hour), Schedule post.
  click 420 748; sleep 1.5
  click 210 467; sleep 3
  # A single post for tomorrow 09:30, then Post now while X's servers fail.
  post_tomorrow_morning "Doors open at 10:00 at the Lisbon fair"
  local base
  base=$(grep -rhoa 'practice mode on http://[0-9.:]*' "$home" | head -1 | sed 's/.* on //')
  curl -s -X POST -H 'content-type: application/json' \
    -d '{"endpoint": "create_tweet", "status": 503}' "$base/_practice/fail-next" >/dev/null
  click 118 520; sleep 4
  shot thread-queue
  stop
}

# Settings, down at "Scheduled posts": start at login when posts wait
# (SCREENSHOTS_ONLY=settings_scene).
settings_scene() {
  app "$WORK/h-settings" --practice
  click 360 260; sleep 5
  click 674 55; sleep 1
  xdotool mousemove 360 420 click --repeat 8 --delay 80 5; sleep 1
  shot settings-start-at-login
  stop
}

# One window at a time: a practice window is open, a second start outside
# practice mode asks to try it, and is told to use the other window
# (SCREENSHOTS_ONLY=instance_scene).
instance_scene() {
  app "$WORK/h-instance" --practice
  app "$WORK/h-instance"
  click 305 268; sleep 1.5
  shot already-open-in-practice
  stop
}

if [ -n "${SCREENSHOTS_ONLY:-}" ]; then
  "$SCREENSHOTS_ONLY"
  exit 0
fi

# A video with pictures and sound (its tile shows a frame from it): a
# Mandelbrot zoom, grain to make it as large as a camera's clip (~150 MB).
ffmpeg -hide_banner -loglevel error -nostdin -y \
  -f lavfi -i "mandelbrot=size=1280x720:rate=30,noise=alls=12:allf=t" \
  -f lavfi -i "sine=frequency=330:sample_rate=48000" -t 48 \
  -c:v libx264 -preset ultrafast -b:v 24M -maxrate 24M -bufsize 12M -c:a aac \
  "$WORK/launch-event.mp4"
for i in 1 2 3 4; do "$BIN" make-test-media jpeg "$WORK/team-$i.jpg" --bytes 2300000; done

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

media_tiles
captions_scene
queue_scene
thread_scene
close_scene
thread_queue_scene
settings_scene
instance_scene
