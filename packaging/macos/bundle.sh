#!/usr/bin/env bash
# Builds "X Uploader.app" (and a .dmg) on a Mac. Run from the repository:
#   packaging/macos/bundle.sh
# Needs Xcode's command line tools; `hdiutil` makes the disk image.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --profile dist
app="target/dist/X Uploader.app"
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp target/dist/x-uploader "$app/Contents/MacOS/x-uploader"
cp packaging/macos/Info.plist "$app/Contents/Info.plist"
cp assets/icons/x-uploader.icns "$app/Contents/Resources/x-uploader.icns"
# Ad-hoc signature so Gatekeeper lets a locally built app start.
codesign --force --deep --sign - "$app"
hdiutil create -volname "X Uploader" -srcfolder "$app" -ov -format UDZO target/dist/x-uploader.dmg
echo "target/dist/x-uploader.dmg"
