#!/usr/bin/env bash
# Build the one-folder bundle with PyInstaller and run its --self-test offscreen; fails if either fails.
# Prints the build time, the bundle's size and its biggest folders (to keep an eye on what it carries).
#
#   bash installer/build_and_selftest.sh        (from anywhere; needs .venv with pyinstaller installed)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
pyinstaller=.venv/bin/pyinstaller
if [[ ! -x "$pyinstaller" ]]; then
  echo "build: $pyinstaller is missing; install it with: .venv/bin/pip install pyinstaller" >&2
  exit 1
fi

started=$SECONDS
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "$pyinstaller" build.spec --noconfirm >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "build: PyInstaller failed (last lines above)" >&2
  exit 1
fi
built=$SECONDS
echo "build: PyInstaller finished in $((built - started)) s"

bundle=dist/mt5desk
if [[ "$(uname -s)" == "Darwin" ]]; then
  bundle="dist/MT5 Desk.app/Contents/MacOS"
fi
# No display here (CI, a server): the self-test switches Qt to offscreen by itself; forcing it keeps
# a developer's desktop free of a flashing window too.
if ! QT_QPA_PLATFORM=offscreen "$bundle/mt5desk" --self-test; then
  echo "build: the bundle's self-test failed" >&2
  exit 1
fi
echo "build: self-test passed in $((SECONDS - built)) s; total $((SECONDS - started)) s"
echo "build: bundle size $(du -sh dist/mt5desk | cut -f1) (dist/mt5desk); biggest parts:"
# (a listing must not fail the build, hence `|| true`)
du -sk dist/mt5desk/_internal/* 2>/dev/null | sort -rn | head -n 8 |
  awk -F '\t' '{ sub("^dist/mt5desk/_internal/", "", $2); printf "  %6.1f MB  %s\n", $1 / 1024, $2 }' || true
