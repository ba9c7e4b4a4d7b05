#!/bin/sh
# Install MT5 Desk for this user only (no root): the app into ~/.local/lib/mt5desk, the command into
# ~/.local/bin, the menu entry and icons into ~/.local/share. Run it from the unpacked tarball:
#
#   ./install.sh                          install, or update in place
#   ./install.sh --uninstall              remove the app; your settings, journal and models stay
#   ./install.sh --uninstall --remove-data    remove those too (~/.config/MT5Desk, ~/.local/share/MT5Desk)
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
config_home="${XDG_CONFIG_HOME:-$HOME/.config}"
state_home="${XDG_STATE_HOME:-$HOME/.local/state}"
lib_dir="$HOME/.local/lib/mt5desk"
bin_link="$HOME/.local/bin/mt5desk"
desktop_file="$data_home/applications/mt5desk.desktop"
icon_sizes="16 24 32 48 64 128 256 512"

refresh_menus() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data_home/applications" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data_home/icons/hicolor" || true
}

uninstall() {
  rm -rf "$lib_dir"
  [ -L "$bin_link" ] && rm -f "$bin_link"
  rm -f "$desktop_file" "$data_home/icons/hicolor/scalable/apps/mt5desk.svg"
  for size in $icon_sizes; do
    rm -f "$data_home/icons/hicolor/${size}x${size}/apps/mt5desk.png"
  done
  refresh_menus
  if [ "${1:-}" = "--remove-data" ]; then
    rm -rf "$config_home/MT5Desk" "$data_home/MT5Desk" "$state_home/MT5Desk"
    echo "MT5 Desk and its data were removed."
  else
    echo "MT5 Desk was removed. Your settings and trade journal are kept in $config_home/MT5Desk and $data_home/MT5Desk."
  fi
}

if [ "${1:-}" = "--uninstall" ]; then
  uninstall "${2:-}"
  exit 0
fi

if [ ! -x "$here/mt5desk/mt5desk" ]; then
  echo "install: $here/mt5desk/mt5desk is missing; run this script from the unpacked MT5 Desk tarball" >&2
  exit 1
fi
mkdir -p "$(dirname "$lib_dir")" "$(dirname "$bin_link")" "$data_home/applications"
# Replace the whole folder: files left from an older version must not be loaded by the new one.
rm -rf "$lib_dir.new"
cp -R "$here/mt5desk" "$lib_dir.new"
rm -rf "$lib_dir"
mv "$lib_dir.new" "$lib_dir"
ln -sfn "$lib_dir/mt5desk" "$bin_link"
for size in $icon_sizes; do
  if [ -f "$here/icons/app-$size.png" ]; then
    mkdir -p "$data_home/icons/hicolor/${size}x${size}/apps"
    cp "$here/icons/app-$size.png" "$data_home/icons/hicolor/${size}x${size}/apps/mt5desk.png"
  fi
done
mkdir -p "$data_home/icons/hicolor/scalable/apps"
cp "$here/icons/app.svg" "$data_home/icons/hicolor/scalable/apps/mt5desk.svg"
# Menus do not always search ~/.local/bin, so the entry names the program by its full path.
sed "s|^Exec=mt5desk|Exec=$lib_dir/mt5desk|" "$here/mt5desk.desktop" >"$desktop_file"
refresh_menus
echo "MT5 Desk installed in $lib_dir; start it from the applications menu or with: $bin_link"
case ":$PATH:" in
  *":$HOME/.local/bin:"*) ;;
  *) echo "Note: $HOME/.local/bin is not on your PATH; add it to run 'mt5desk' by name." ;;
esac
echo "Check this computer with: $bin_link doctor"
