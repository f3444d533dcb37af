#!/usr/bin/env bash
# Makes sure Debian's ffmpeg is installed: online-only videos are segmented into HLS
# with it (commerce/catalog/video_hls.py) by `make run`'s app and `make worker`, and its tests generate their tiny videos with it.
# Without apt this only warns: videos then play from the ranged stream, and the HLS
# tests are skipped.
set -euo pipefail

if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  echo "ensure-ffmpeg: $(command -v ffmpeg) is installed"
  exit 0
fi

if "$(dirname "$0")/apt-install.sh" ffmpeg && command -v ffmpeg >/dev/null 2>&1; then
  echo "ensure-ffmpeg: installed $(command -v ffmpeg)"
else
  echo "ensure-ffmpeg: WARNING: could not install ffmpeg; online-only videos play from the ranged stream only" >&2
fi
