#!/bin/sh
# Builds the Reflex frontend once, ahead of time, into .web/build/client (static files
# that scripts/start-production.sh serves). Needs bun on PATH (REFLEX_USE_SYSTEM_BUN=1)
# and the npm registry; the Docker image runs it in its build stage only. With
# REFLEX_WEB_WORKDIR set, the build goes to that folder instead (`make cluster`'s own).
#
# API_URL is the address browsers reach the app at (nginx's, in compose.yaml): the build
# writes it into the pages' websocket address. Only its scheme and port matter: the
# browser keeps the page's own host name for localhost, and drops the port over https.
set -eu
cd "$(dirname "$0")/.."
: "${API_URL:=http://localhost:${PORT:-3000}}"
# Reflex reads its settings with the REFLEX_ prefix: API_URL alone would not reach the build.
REFLEX_API_URL="${REFLEX_API_URL:-$API_URL}"
export API_URL REFLEX_API_URL
# The pages are compiled, not served: the production refusals (test gateway, SQLite)
# belong to the running app, which checks them at its start.
APP_ENV=development reflex export --frontend-only --no-zip --env prod
test -f "${REFLEX_WEB_WORKDIR:-.web}/build/client/index.html"
