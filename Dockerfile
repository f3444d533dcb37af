# One image: at start it applies the database migrations, then serves the Reflex app
# in production mode, frontend and backend on a single port.
# Configure it with environment variables (see README.md); APP_ENV=production makes
# the app refuse embedded stand-ins such as the test payment gateway.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_ENV=production \
    PORT=3000 \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_USE_SYSTEM_BUN=1 \
    PATH=/app/tools/node_modules/.bin:$PATH

# Reflex builds the frontend with bun. Its own bun installer downloads from the
# internet, so bun comes from the npm registry instead; npm needs nodejs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 app
WORKDIR /app

RUN npm install --prefix /app/tools --no-audit --no-fund bun@1.4.5 \
    && bun --version

# Dependencies before the code, so a code change reuses this layer.
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install -r requirements.txt && pip install --no-deps -r requirements-nodeps.txt

# The app writes under /app: its frontend build (.web), Reflex state (.states), the
# frontend lockfiles (reflex.lock/) and, with the embedded defaults, its SQLite
# database and files (data/, mount a volume there to keep them).
COPY --chown=app:app . .
# The translation catalogs, compiled from the .po files (build output, not committed).
RUN for po in locales/*/LC_MESSAGES/*.po; do \
      pybabel compile -l "$(echo "$po" | cut -d/ -f2)" -i "$po" -o "${po%.po}.mo"; done
RUN mkdir -p data && chown app:app /app data
USER app

EXPOSE 3000

# The first start also builds the frontend (packages come from the npm registry),
# hence the long start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"

# Reflex shuts down cleanly on Ctrl-C (SIGINT).
STOPSIGNAL SIGINT
CMD ["sh", "-c", "python -m commerce.cli migrate && exec reflex run --env prod --frontend-port \"$PORT\" --backend-port \"$PORT\""]
