#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the Playwright end-to-end tests
# (Playwright's own browser download needs the internet, so it is never used).
# Without apt this only warns: the rest of the suite still runs.
set -euo pipefail

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"

# The shop speaks Japanese and Arabic: the browser needs fonts with their glyphs (DejaVu,
# Debian's default, has Arabic; IPAGothic, 3.5 MB, brings Japanese) or pages show boxes.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=ja)" ]; then
  "$(dirname "$0")/apt-install.sh" fonts-ipafont-gothic \
    || echo "ensure-chromium: WARNING: no Japanese font; Japanese text shows as boxes in the browser tests" >&2
fi

if [ -x "$chromium_path" ]; then
  echo "ensure-chromium: $chromium_path is installed"
  exit 0
fi

if "$(dirname "$0")/apt-install.sh" chromium && [ -x "$chromium_path" ]; then
  echo "ensure-chromium: installed $chromium_path"
else
  echo "ensure-chromium: WARNING: could not install chromium; the end-to-end browser tests cannot run" >&2
fi
