#!/bin/sh
# The Docker image's start (its CMD) and what tests/deploy/test_image_start.py runs: the
# database migrations, then the Reflex backend in production mode, backend-only, which
# also serves the frontend built ahead of time by scripts/build-frontend.sh
# (storefront/prebuilt_frontend.py). Nothing here compiles pages or calls node, npm or
# bun, so it starts in seconds and needs no registry.
set -eu
cd "$(dirname "$0")/.."
# The migration's own process leaves no figures in the web workers' metrics folder...
env -u PROMETHEUS_MULTIPROC_DIR python -m commerce.cli migrate
# ...which prometheus-client's multiprocess mode needs empty when the workers start.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
# A backend-only run never checks PyPI for a newer Reflex if told not to.
export REFLEX_CHECK_LATEST_VERSION=false
# Reflex makes an upload folder at start (the app keeps its files in its blob store); it
# goes under the data folder, since the image's code folder is not the app's to write.
export REFLEX_UPLOADED_FILES_DIR="${REFLEX_UPLOADED_FILES_DIR:-${DATA_DIR:-$PWD/data}/reflex-uploads}"
exec reflex run --env prod --backend-only --backend-host "${HOST:-0.0.0.0}" --backend-port "${PORT:-3000}"
