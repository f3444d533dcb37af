"""What a seller waits for, timed in a browser: sign-in → the studio's first content, and the
analytics page → its charts, next to a floor (the sign-in page's own load) in the same run.

    .venv/bin/python bench/journeys/run.py                 # starts `make run` on a free port
    .venv/bin/python bench/journeys/run.py --url http://127.0.0.1:3000 --rounds 7

Each round opens a new browser context (no cookies, empty HTTP cache) at the desktop
viewport and:

1. floor: loads /login until its email field is visible (the app's shell, scripts, the
   websocket and one page's hydrate; nothing of the seller's);
2. sign-in: fills the demo seller's email and password on /login?next=/seller and times
   from the click to the studio's product list (or its empty state) being visible;
3. analytics, full load: /seller/analytics until the figures (the cards), then the charts
   (the revenue chart's drawing) are visible;
4. analytics, from the studio: clicks the studio's Analytics link, until the same.

It prints the median and the spread of each, and what the event websocket carried
during each step (frames each way and bytes received), which is where the time goes
when the server's handlers are fast.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from commerce.demo import DEMO_PASSWORD  # noqa: E402
from tests.fixtures.ports import free_port  # noqa: E402
from tests.fixtures.processes import stop_group  # noqa: E402

SELLER_EMAIL = "ada@demo.market"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
STUDIO_CONTENT = "#seller-products, #seller-empty"
ANALYTICS_FIGURES = "#cards, #analytics-empty"
ANALYTICS_CHARTS = "#revenue-chart .recharts-surface, #analytics-empty"
TIMEOUT_MS = 60_000
FLOOR = "floor: /login shown"


@dataclass
class Socket:
    sent: int = 0
    received: int = 0
    received_bytes: int = 0

    def reset(self) -> tuple[int, int, int]:
        figures = (self.sent, self.received, self.received_bytes)
        self.sent = self.received = self.received_bytes = 0
        return figures


@dataclass
class Figures:
    times: dict[str, list[float]] = field(default_factory=dict)
    frames: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)

    def add(self, name: str, seconds: float, frames: tuple[int, int, int]) -> None:
        self.times.setdefault(name, []).append(seconds)
        self.frames.setdefault(name, []).append(frames)


def _start_app() -> tuple[str, subprocess.Popen]:
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-journeys-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "MEILI_URL", "S3_BUCKET"}}
    env.update(DATA_DIR=str(data_dir), APP_ENV="development", PORT=str(port))
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"`make run` exited; see {data_dir / 'server.log'}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200 and httpx.get(url, timeout=5).is_success:
                return url, process
        except httpx.HTTPError:
            pass
        time.sleep(2)
    raise SystemExit("the app did not start in 15 minutes")


def _watch(page, counter: Socket) -> None:
    def on_socket(ws) -> None:
        if "/_event" not in ws.url:
            return
        ws.on("framesent", lambda _payload: setattr(counter, "sent", counter.sent + 1))

        def received(payload) -> None:
            counter.received += 1
            counter.received_bytes += len(payload)

        ws.on("framereceived", received)

    page.on("websocket", on_socket)


def _round(browser, url: str, figures: Figures) -> None:
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        _steps(page, figures)
    except PlaywrightTimeout as stuck:
        raise StuckRound(f"{str(stuck).splitlines()[0]} (at {page.url})") from stuck
    finally:
        context.close()


class StuckRound(Exception):
    pass


def _steps(page, figures: Figures) -> None:
    counter = Socket()
    _watch(page, counter)

    start = time.perf_counter()
    page.goto("/login?next=/seller")
    page.locator("#login-email").wait_for(state="visible")
    figures.add(FLOOR, time.perf_counter() - start, counter.reset())

    page.locator("#login-email").fill(SELLER_EMAIL)
    page.locator("#login-password").fill(DEMO_PASSWORD)
    start = time.perf_counter()
    page.locator("#login-submit").click()
    page.locator(STUDIO_CONTENT).first.wait_for(state="visible")
    figures.add("sign-in → studio content", time.perf_counter() - start, counter.reset())

    start = time.perf_counter()
    page.goto("/seller/analytics")
    page.locator(ANALYTICS_FIGURES).first.wait_for(state="visible")
    figures_at = time.perf_counter() - start
    page.locator(ANALYTICS_CHARTS).first.wait_for(state="visible")
    charts_at = time.perf_counter() - start
    frames = counter.reset()
    figures.add("analytics load → figures", figures_at, frames)
    figures.add("analytics load → charts", charts_at, frames)

    page.goto("/seller")
    page.locator(STUDIO_CONTENT).first.wait_for(state="visible")
    counter.reset()
    start = time.perf_counter()
    page.locator("a[href='/seller/analytics']").first.click()
    page.locator(ANALYTICS_FIGURES).first.wait_for(state="visible")
    figures_at = time.perf_counter() - start
    page.locator(ANALYTICS_CHARTS).first.wait_for(state="visible")
    charts_at = time.perf_counter() - start
    frames = counter.reset()
    figures.add("studio link → analytics figures", figures_at, frames)
    figures.add("studio link → analytics charts", charts_at, frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an app already running (demo data seeded); default: start `make run`")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    process = None
    url = args.url
    if url is None:
        url, process = _start_app()
    figures = Figures()
    failed: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            _round(browser, url, Figures())  # warm-up: the server's first requests, compiled caches
            for _ in range(args.rounds):
                try:
                    _round(browser, url, figures)
                except StuckRound as stuck:
                    # Counted and shown, not averaged in: a round that never got there has no time.
                    failed.append(str(stuck))
            browser.close()
    finally:
        if process is not None:
            stop_group(process)
    load = os.getloadavg()[0]
    print(f"{args.rounds} rounds, desktop 1280x800, load average {load:.1f}")
    for reason in failed:
        print(f"a round did not finish in {TIMEOUT_MS // 1000} s: {reason}")
    floor = statistics.median(figures.times.get(FLOOR, [float("nan")]))
    print(f"{'step':34} {'median s':>9} {'× floor':>8} {'min':>6} {'max':>6}   ws frames sent/received, KB received")
    for name, values in figures.times.items():
        sent, received, size = (statistics.median(f[i] for f in figures.frames[name]) for i in range(3))
        median = statistics.median(values)
        print(
            f"{name:34} {median:9.2f} {median / floor:8.1f} {min(values):6.2f} {max(values):6.2f}"
            f"   {sent:.0f} / {received:.0f}, {size / 1024:.1f} KB"
        )


if __name__ == "__main__":
    main()
