"""The app really running, as `make run` starts it, driven by Playwright in Debian Chromium.

One server per test process: `make run PORT=<free port>` with a fresh data folder, so
these tests prove the README's first command as well as the pages. Run on several processes
(`make test E2E_WORKERS=2`: pytest-xdist, whole files per process), each has its own server
and data. Each test gets a new browser context (tests/fixtures/chromium.py's browser) at a
phone (390x844) and a desktop (1280x800) viewport.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.fixtures import browser as browser_steps
from tests.fixtures.ports import free_port
from tests.fixtures.processes import stop_group

ROOT = Path(__file__).resolve().parents[2]
E2E_METRICS_TOKEN = "e2e-metrics-token"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# The first production build installs the frontend packages; give it time on 2 cores.
STARTUP_TIMEOUT = 900
# What a person waits for after a click (an assertion's patience). Playwright's 5 s is
# short on a 2-core machine that also runs the server, the browser and the tests.
expect.set_options(timeout=15_000)
SERVICE_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "MEILI_URL",
    "MEILI_MASTER_KEY",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "SMTP_URL",
)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)
            # The first test's setup includes the frontend build (pytest-timeout counts setup).
            item.add_marker(pytest.mark.timeout(STARTUP_TIMEOUT + 300))


class RunningApp:
    def __init__(self, base_url: str, data_dir: Path, log_path: Path):
        self.base_url = base_url
        self.data_dir = data_dir
        self.log_path = log_path

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[RunningApp]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    # A build names its server's port, and `.web` holds one build: the first process's app
    # builds there, as `make run` does; another process's builds in its data folder.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    own_build = {} if worker == "gw0" else {"REFLEX_WEB_WORKDIR": str(data_dir / "web")}
    yield from running_app(data_dir, **own_build)


def running_app(data_dir: Path, **services: str) -> Iterator[RunningApp]:
    """`make run` on a free port with a fresh data folder and the embedded adapters, or the
    outside `services` given as settings (S3_BUCKET=...); stopped when the generator closes."""
    port = free_port()
    log_path = data_dir / "server.log"
    env = {name: value for name, value in os.environ.items() if name not in SERVICE_VARS}
    # Loopback allowed for webhooks: the tests' local receiver listens on 127.0.0.1.
    env.update(DATA_DIR=str(data_dir), APP_ENV="development", PORT=str(port), WEBHOOKS_ALLOW_LOOPBACK="1")
    # /metrics answers only to this token (tests/e2e/test_operations_live.py scrapes it).
    env.update(METRICS_TOKEN=E2E_METRICS_TOKEN)
    env.update(services)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = RunningApp(f"http://127.0.0.1:{port}", data_dir, log_path)
    outbox = browser_steps.OUTBOX.get("dir")
    browser_steps.OUTBOX["dir"] = data_dir / "outbox"
    try:
        _wait_until_serving(running, process)
        yield running
    finally:
        stop_group(process)
        if outbox is not None:  # a second app's tests are over: the session app's mail again
            browser_steps.OUTBOX["dir"] = outbox


def _wait_until_serving(app: RunningApp, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`make run` exited with {process.returncode}:\n{app.log_tail()}")
        try:
            if (
                httpx.get(app.url("/healthz"), timeout=2).status_code == 200
                and httpx.get(app.url("/"), timeout=5).status_code == 200
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(2)
    pytest.fail(f"the app did not serve within {STARTUP_TIMEOUT}s:\n{app.log_tail()}")


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


def _watch_csp(context, violations: list[str]) -> None:
    """Every page of the context reports what the Content-Security-Policy blocked."""

    def on_page(page) -> None:
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
            ),
        )

    context.on("page", on_page)


@pytest.fixture
def csp_violations(app):
    """The app runs with its CSP enforced: a test fails if the browser blocked anything,
    or if the server logged a violation report (/api/csp-report) during the test."""
    violations: list[str] = []
    log_size = app.log_path.stat().st_size
    yield violations
    time.sleep(0.5)  # reports are posted by the browser shortly after the violation
    with app.log_path.open(errors="replace") as log:
        log.seek(log_size)
        violations += [line for line in log.read().splitlines() if "csp-violation" in line]
    assert violations == [], "the page broke its Content-Security-Policy:\n" + "\n".join(violations)


@pytest.fixture
def page(browser, app, viewport, csp_violations):
    context = browser.new_context(viewport=VIEWPORTS[viewport], base_url=app.base_url)
    context.set_default_timeout(20_000)
    _watch_csp(context, csp_violations)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_page(browser, app, csp_violations):
    """Open more pages (a second user) in their own contexts: new_page("desktop")."""
    contexts = []

    def open_page(viewport_name: str = "desktop"):
        context = browser.new_context(viewport=VIEWPORTS[viewport_name], base_url=app.base_url)
        context.set_default_timeout(20_000)
        _watch_csp(context, csp_violations)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
