# syntax=docker/dockerfile:1
#
# Three stages, split as Reflex's self-hosting guide splits an app:
#   build    installs the Python packages and bun, and builds the frontend once
#            (scripts/build-frontend.sh: `reflex export --frontend-only`);
#   nginx    nginx with the built assets and deploy/nginx/compose.conf (compose.yaml's
#            load balancer: `docker build --target nginx`);
#   runtime  (the default) Python and the app with the prebuilt frontend; no node, npm or
#            bun. Its start (scripts/start-production.sh) applies the migrations and runs
#            the Reflex backend in production mode, which serves the prebuilt pages; it
#            starts in seconds and reaches no registry. It runs as a non-root user.
#
# API_URL is the address browsers use to reach the site (default http://localhost:3000,
# the image on its own); the build writes it into the pages' websocket address, so build
# with `--build-arg API_URL=https://shop.example.com` for a real deployment.
# Configure the runtime with environment variables (README.md, "Real services");
# APP_ENV=production makes the app refuse embedded stand-ins such as the test gateway.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NGINX_IMAGE=nginx:1.27-bookworm

FROM ${PYTHON_IMAGE} AS python-packages
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/venv/bin:$PATH
RUN python -m venv /venv
# Dependencies before the code, so a code change reuses this layer.
COPY requirements.txt requirements-nodeps.txt /tmp/
RUN pip install -r /tmp/requirements.txt && pip install --no-deps -r /tmp/requirements-nodeps.txt


FROM python-packages AS build
ARG BUN_VERSION=1.4.5
ARG API_URL=http://localhost:3000
# Reflex builds the frontend with bun. Its own bun installer downloads from the
# internet, so bun comes from the npm registry instead; npm needs nodejs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/* \
    && npm install --prefix /opt/tools --no-audit --no-fund "bun@${BUN_VERSION}" \
    && /opt/tools/node_modules/.bin/bun --version
ENV PATH=/opt/tools/node_modules/.bin:$PATH \
    REFLEX_USE_SYSTEM_BUN=1 \
    REFLEX_TELEMETRY_ENABLED=false
WORKDIR /app
COPY . .
RUN API_URL="${API_URL}" scripts/build-frontend.sh


FROM ${NGINX_IMAGE} AS nginx
COPY --from=build /app/.web/build/client /usr/share/nginx/site
COPY deploy/nginx/compose.conf /etc/nginx/conf.d/default.conf


FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH \
    APP_ENV=production \
    PORT=3000 \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false

# ffmpeg cuts online-only videos into HLS (commerce/catalog/video_hls.py); without it
# they still play, from the original's ranged stream.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 app
COPY --from=python-packages /venv /venv
WORKDIR /app
# The code belongs to root and cannot be changed by the app; the app writes only its
# data (SQLite and files with the embedded defaults: mount a volume on /app/data) and
# Reflex's small backend folder under .web.
COPY . .
COPY --from=build /app/.web/build/client /app/.web/build/client
# The translation catalogs, compiled from the .po files (build output, not committed).
RUN for po in locales/*/LC_MESSAGES/*.po; do \
      pybabel compile -l "$(echo "$po" | cut -d/ -f2)" -i "$po" -o "${po%.po}.mo"; done
RUN mkdir -p data .web/backend && chown app:app data .web .web/backend
USER app
VOLUME /app/data
EXPOSE 3000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"

# Reflex shuts down cleanly on Ctrl-C (SIGINT).
STOPSIGNAL SIGINT
CMD ["scripts/start-production.sh"]
