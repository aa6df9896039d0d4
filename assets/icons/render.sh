#!/usr/bin/env bash
# Renders the icon from x-uploader.svg into the PNG sizes the desktops want,
# a Windows .ico and a macOS .icns. The results are committed; run this
# after changing the SVG. Needs rsvg-convert (librsvg2-bin) and Pillow.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$size" -h "$size" x-uploader.svg -o "x-uploader-$size.png"
done
python3 - <<'PY'
from PIL import Image
big = Image.open("x-uploader-512.png")
big.save("x-uploader.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
big.save("x-uploader.icns")
PY
