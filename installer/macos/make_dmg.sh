#!/bin/sh
# Make a drag-to-install disk image from the PyInstaller app bundle (run on macOS, after the build):
#
#   .venv/bin/pyinstaller build.spec --noconfirm
#   sh installer/macos/make_dmg.sh            -> dist/MT5Desk-<version>.dmg
#
# The image holds "MT5 Desk.app" and a link to /Applications to drag it onto. The app is not signed
# here: sign and notarize it first (codesign, xcrun notarytool) if it is to be handed to others,
# or macOS will refuse to open it until the trader allows it in System Settings > Privacy & Security.
set -eu

cd "$(dirname "$0")/../.."
app="dist/MT5 Desk.app"
if [ ! -d "$app" ]; then
  echo "make_dmg: $app is missing; build it first: .venv/bin/pyinstaller build.spec --noconfirm" >&2
  exit 1
fi
if ! command -v hdiutil >/dev/null 2>&1; then
  echo "make_dmg: hdiutil not found; disk images are made on macOS" >&2
  exit 1
fi
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' app/__init__.py)"
dmg="dist/MT5Desk-${version:-0.0.0}.dmg"

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT INT TERM
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"

rm -f "$dmg"
hdiutil create -volname "MT5 Desk" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"
echo "make_dmg: wrote $dmg"
