#!/bin/sh
# Package the Linux one-folder build for traders (run after the build):
#
#   .venv/bin/pyinstaller build.spec --noconfirm
#   sh installer/linux/make_appimage_or_tarball.sh
#
# Always writes dist/mt5desk-<version>-linux-<arch>.tar.gz: the bundle, the menu entry, the icons and
# install.sh (installs into ~/.local, no root). Also writes dist/MT5Desk-<version>-<arch>.AppImage when
# appimagetool is on PATH (it is not downloaded here).
set -eu

cd "$(dirname "$0")/../.."
bundle="dist/mt5desk"
if [ ! -x "$bundle/mt5desk" ]; then
  echo "package: $bundle/mt5desk is missing; build it first: .venv/bin/pyinstaller build.spec --noconfirm" >&2
  exit 1
fi
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' app/__init__.py)"
arch="$(uname -m)"
name="mt5desk-${version:-0.0.0}-linux-$arch"

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT INT TERM

# -- tarball ---------------------------------------------------------------------------------------------
root="$staging/$name"
mkdir -p "$root/icons"
cp -R "$bundle" "$root/mt5desk"
cp installer/linux/mt5desk.desktop installer/linux/install.sh "$root/"
cp resources/icons/app.svg resources/icons/app-*.png "$root/icons/"
chmod +x "$root/install.sh"
tarball="dist/$name.tar.gz"
tar -czf "$tarball" -C "$staging" "$name"
echo "package: wrote $tarball ($(du -h "$tarball" | cut -f1)); install with: tar -xzf $name.tar.gz && $name/install.sh"

# -- AppImage, when the tool is there ----------------------------------------------------------------------
if ! command -v appimagetool >/dev/null 2>&1; then
  echo "package: appimagetool not found; no AppImage made (the tarball is enough to install)"
  exit 0
fi
appdir="$staging/MT5Desk.AppDir"
mkdir -p "$appdir/usr/lib"
cp -R "$bundle" "$appdir/usr/lib/mt5desk"
cp installer/linux/mt5desk.desktop "$appdir/mt5desk.desktop"
cp resources/icons/app-256.png "$appdir/mt5desk.png"
cat >"$appdir/AppRun" <<'APPRUN'
#!/bin/sh
here="$(dirname "$(readlink -f "$0")")"
exec "$here/usr/lib/mt5desk/mt5desk" "$@"
APPRUN
chmod +x "$appdir/AppRun"
appimage="dist/MT5Desk-${version:-0.0.0}-$arch.AppImage"
ARCH="$arch" appimagetool --no-appstream "$appdir" "$appimage"
echo "package: wrote $appimage"
