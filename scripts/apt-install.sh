#!/usr/bin/env bash
# Installs Debian packages with apt-get, through sudo when not root.
# Usage: scripts/apt-install.sh PACKAGE...
# Exit status: 0 installed, 1 apt-get failed, 2 apt is not usable on this machine
# (no apt-get, or not root and no sudo), so callers can decide to warn or fail.
set -euo pipefail

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-install: apt-get is not available on this machine" >&2
  exit 2
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "apt-install: not root and sudo is not installed" >&2
  exit 2
fi

echo "apt-install: installing $*"
# A fresh machine may have no package lists yet; noninteractive avoids debconf prompts.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || exit 1
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "$@" || exit 1
