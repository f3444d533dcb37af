#!/bin/sh
# The Docker image's start (its CMD) and what tests/unit/test_image_start.py runs: the
# database migrations, then the Reflex backend in production mode, backend-only, which
# also serves the frontend built ahead of time by scripts/build-frontend.sh
# (storefront/prebuilt_frontend.py). Nothing here compiles pages or calls node, npm or
# bun, so it starts in seconds and needs no registry.
set -eu
cd "$(dirname "$0")/.."
python -m commerce.cli migrate
# A backend-only run never checks PyPI for a newer Reflex if told not to.
export REFLEX_CHECK_LATEST_VERSION=false
# Reflex makes an upload folder at start (the app keeps its files in its blob store); it
# goes under the data folder, since the image's code folder is not the app's to write.
export REFLEX_UPLOADED_FILES_DIR="${REFLEX_UPLOADED_FILES_DIR:-${DATA_DIR:-$PWD/data}/reflex-uploads}"
exec reflex run --env prod --backend-only --backend-host "${HOST:-0.0.0.0}" --backend-port "${PORT:-3000}"
