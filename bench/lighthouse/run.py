"""Page weight and first paint: Lighthouse (mobile preset) on the marketplace's home, product,
search and library pages, next to a bare Reflex app built and served the same way in the
same run.

    npm install --prefix bench/lighthouse          # once: Lighthouse from the npm registry
    .venv/bin/python bench/lighthouse/run.py
    .venv/bin/python bench/lighthouse/run.py --runs 5 --url http://127.0.0.1:3000   # an app already running
    .venv/bin/python bench/lighthouse/run.py --ws-only   # only the first loads' websocket frames and bytes

The marketplace is built in this checkout's .web folder: do not run the browser tests
from the same checkout at the same time (their `make run` rebuilds the same folder).

Both apps run as `make run` does (`reflex run --env prod`, frontend and backend on one
port; the marketplace after `migrate` and `seed-demo` in a fresh data folder, the bare app,
a counter page, from a temporary folder). Lighthouse runs in Debian's Chromium
(CHROME_PATH, default /usr/bin/chromium) with its default mobile settings (Moto G
emulation, simulated slow 4G and 4x CPU slowdown), performance category only, `--runs`
rounds; a round audits every page and then the bare app, so a busy spell on this shared
machine lands on both sides of a ratio rather than on the pages alone. Each figure is the
median. The library page is audited signed in as the
demo buyer (the session cookie passed as a header).

Per page: performance score, LCP, total blocking time, the JavaScript transferred
(Lighthouse's resource summary) and its ratio to the bare app's, and what the first load
receives over the event websocket (frames and bytes in the first 3 s, counted in
Playwright on the same Chromium). Each run also prints Lighthouse's CPU benchmark index
(higher is faster: what the machine could do during that run; blocking time is the
simulated phone's, scaled from this machine's own) and the script that kept the main thread
busiest, so a blocking time can be read against the machine that measured it.

Targets (issue 12, section 3): performance >= 90 and above the bare app's, LCP < 2.5 s,
JavaScript per route <= 1.2x the bare app's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from tests.fixtures.ports import free_port  # noqa: E402
from tests.fixtures.processes import stop_group  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
REFLEX = ROOT / ".venv" / "bin" / "reflex"
LIGHTHOUSE = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = os.environ.get("CHROME_PATH") or os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
STARTUP_TIMEOUT = 900
ATTEMPTS = 3  # per Lighthouse run
SETTLE_TIMEOUT = 300
SETTLE_LOAD = 0.5
SERVICE_VARS = {"DATABASE_URL", "REDIS_URL", "MEILI_URL", "MEILI_MASTER_KEY", "S3_BUCKET", "S3_ENDPOINT_URL"}

BARE_APP = """
import reflex as rx


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.vstack(
        rx.heading("A bare Reflex app"),
        rx.text(CounterState.count),
        rx.button("Increment", on_click=CounterState.increment),
    )


app = rx.App()
app.add_page(index, title="Bare")
"""
BARE_CONFIG = """import reflex as rx

config = rx.Config(
    app_name="bare",
    telemetry_enabled=False,
    state_manager_mode=rx.constants.StateManagerMode.MEMORY,
    disable_plugins=[rx.plugins.SitemapPlugin],
    # Compressed as the marketplace's build is (rxconfig.py): the two differ by what they are.
    frontend_compression_formats=["brotli", "gzip"],
)
"""


@dataclass
class Audit:
    score: float
    lcp_ms: float
    tbt_ms: float
    fcp_ms: float
    script_bytes: int
    total_bytes: int
    benchmark_index: float
    busiest_script: str


@dataclass
class Result:
    name: str
    path: str
    audits: list[Audit]
    ws_frames: int = 0
    ws_bytes: int = 0

    def median(self, field: str) -> float:
        return statistics.median(getattr(audit, field) for audit in self.audits)


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env.update(
        PATH=f"{ROOT / 'tools' / 'node_modules' / '.bin'}:{env.get('PATH', '')}",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
    )
    return env


def serve(name: str, cwd: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(REFLEX), "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{name} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(base + "/", timeout=5).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(2)
    stop_group(process)
    sys.exit(f"{name} did not serve within {STARTUP_TIMEOUT}s:\n{log.read_text()[-3000:]}")


def start_marketplace(folder: Path) -> tuple[subprocess.Popen, str]:
    env = base_env()
    env.update(DATA_DIR=str(folder / "data"), APP_ENV="development")
    for command in ("migrate", "seed-demo"):
        subprocess.run([str(PYTHON), "-m", "commerce.cli", command], cwd=ROOT, env=env, check=True, capture_output=True)
    return serve("marketplace", ROOT, env, folder / "marketplace.log")


def start_bare(folder: Path) -> tuple[subprocess.Popen, str]:
    app_dir = folder / "bare"
    (app_dir / "bare").mkdir(parents=True)
    (app_dir / "rxconfig.py").write_text(BARE_CONFIG)
    (app_dir / "bare" / "__init__.py").write_text("")
    (app_dir / "bare" / "bare.py").write_text(BARE_APP)
    return serve("bare app", app_dir, base_env(), folder / "bare.log")


def settle() -> str:
    """Waits, up to SETTLE_TIMEOUT, for the machine to go quiet (the one-minute load average
    under SETTLE_LOAD): a fresh marketplace works through its demo data's jobs (covers, previews,
    the search index) for a while after it first answers, and that work would land in the first
    pages' blocking time. Returns the load averages it started the audits at."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while os.getloadavg()[0] >= SETTLE_LOAD and time.monotonic() < deadline:
        time.sleep(5)
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def first_product_path(base: str) -> str:
    """A live product, from the sitemap (the demo data's first one)."""
    sitemap = httpx.get(base + "/sitemap.xml", timeout=30).text
    start = sitemap.index("/p/")
    return sitemap[start : sitemap.index("<", start)]


def buyer_cookie(base: str) -> str:
    from commerce.demo import BUYER_EMAIL, DEMO_PASSWORD

    response = httpx.post(
        base + "/api/session/login",
        data={"email": BUYER_EMAIL, "password": DEMO_PASSWORD, "next": "/library"},
        headers={"origin": base},
    )
    token = response.cookies.get("mp_session")
    if not token:
        sys.exit(f"could not sign in as the demo buyer: {response.status_code} {response.headers.get('location')}")
    return f"mp_session={token}"


def lighthouse(url: str, out: Path, cookie: str = "") -> Audit:
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--only-categories=performance",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    for attempt in range(1, ATTEMPTS + 1):
        try:
            subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
            break
        except subprocess.CalledProcessError:
            # Lighthouse now and then fails to record the trace (NO_NAVSTART): run it again.
            if attempt == ATTEMPTS:
                raise
            print(f"  Lighthouse failed on {url}, attempt {attempt} of {ATTEMPTS}", flush=True)
    report = json.loads(out.read_text())
    audits = report["audits"]
    summary = {item["resourceType"]: item for item in audits["resource-summary"]["details"]["items"]}
    bootup = audits["bootup-time"].get("details", {}).get("items", [])
    busiest = max(bootup, key=lambda item: item["total"], default=None)
    return Audit(
        score=round(100 * (report["categories"]["performance"]["score"] or 0)),
        lcp_ms=audits["largest-contentful-paint"]["numericValue"],
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        fcp_ms=audits["first-contentful-paint"]["numericValue"],
        script_bytes=summary.get("script", {}).get("transferSize", 0),
        total_bytes=summary.get("total", {}).get("transferSize", 0),
        benchmark_index=report["environment"]["benchmarkIndex"],
        busiest_script=f"{_short(busiest['url'])} {busiest['total']:.0f} ms" if busiest else "none",
    )


def _short(url: str) -> str:
    """A script's file name, or the document's path and query ("Unattributable" stays as it is)."""
    parts = urlsplit(url)
    name = parts.path.rsplit("/", 1)[-1] or parts.path
    return name + (f"?{parts.query}" if parts.query else "")


def websocket_first_load(base: str, path: str, cookie: str = "") -> tuple[int, int]:
    """Frames and bytes the page receives over the event websocket in its first 3 s."""
    from playwright.sync_api import sync_playwright

    frames: list[int] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        context = browser.new_context(viewport={"width": 390, "height": 844})
        if cookie:
            name, value = cookie.split("=", 1)
            context.add_cookies([{"name": name, "value": value, "url": base}])
        page = context.new_page()

        def watch(socket) -> None:
            if "/_event" in socket.url:
                socket.on("framereceived", lambda payload: frames.append(len(payload)))

        page.on("websocket", watch)
        page.goto(base + path)
        page.wait_for_timeout(3000)
        browser.close()
    # Engine.IO pings ("2") are not the page's data.
    data = [size for size in frames if size > 2]
    return len(data), sum(data)


@dataclass
class Page:
    name: str
    base: str
    path: str
    cookie: str = ""


def measure(pages: list[Page], runs: int, folder: Path) -> list[Result]:
    """`runs` rounds, each auditing every page in turn."""
    results = [Result(page.name, page.path, []) for page in pages]
    for run in range(runs):
        for page, result in zip(pages, results, strict=True):
            audit = lighthouse(page.base + page.path, folder / f"{page.name}-{run}.json", page.cookie)
            result.audits.append(audit)
            print(
                f"  round {run + 1} {page.name:8} {audit.score:3.0f}  LCP {audit.lcp_ms / 1000:.2f} s"
                f"  TBT {audit.tbt_ms:5.0f} ms  CPU index {audit.benchmark_index:5.0f}  busiest {audit.busiest_script}",
                flush=True,
            )
    for page, result in zip(pages, results, strict=True):
        result.ws_frames, result.ws_bytes = websocket_first_load(page.base, page.path, page.cookie)
    return results


def report(results: list[Result], bare: Result) -> None:
    bare_js = bare.median("script_bytes")
    print()
    print(
        f"{'page':10} {'perf':>5} {'LCP s':>6} {'FCP s':>6} {'TBT ms':>7} {'JS KB':>7} {'x bare':>7} "
        f"{'all KB':>7} {'ws frames':>9} {'ws KB':>6}"
    )
    for result in [*results, bare]:
        js = result.median("script_bytes")
        print(
            f"{result.name:10} {result.median('score'):5.0f} {result.median('lcp_ms') / 1000:6.2f} "
            f"{result.median('fcp_ms') / 1000:6.2f} {result.median('tbt_ms'):7.0f} {js / 1024:7.0f} "
            f"{js / bare_js:7.2f} {result.median('total_bytes') / 1024:7.0f} {result.ws_frames:9d} "
            f"{result.ws_bytes / 1024:6.1f}"
        )
    print()
    print("targets: perf >= 90 and > bare's; LCP < 2.5 s; JS <= 1.2x bare")
    for result in results:
        checks = {
            "perf": result.median("score") >= 90 and result.median("score") > bare.median("score"),
            "LCP": result.median("lcp_ms") < 2500,
            "JS": result.median("script_bytes") <= 1.2 * bare_js,
        }
        print(f"  {result.name:10} " + "  ".join(f"{k} {'met' if ok else 'NOT met'}" for k, ok in checks.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (the median is reported)")
    parser.add_argument("--url", help="a marketplace already running (default: start one)")
    parser.add_argument("--bare-url", help="a bare Reflex app already running (default: build and start one)")
    parser.add_argument("--product", help="the product page to audit (default: the sitemap's first product)")
    parser.add_argument("--keep", action="store_true", help="keep the reports and logs folder")
    parser.add_argument(
        "--ws-only", action="store_true", help="only count what each first load receives over the websocket"
    )
    args = parser.parse_args()
    if not LIGHTHOUSE.exists() and not args.ws_only:
        sys.exit(f"Lighthouse is missing: npm install --prefix {HERE.relative_to(ROOT)}")

    folder = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    processes = []
    try:
        base = args.url
        if not base:
            process, base = start_marketplace(folder)
            processes.append(process)
        bare_base = args.bare_url
        if not bare_base:
            process, bare_base = start_bare(folder)
            processes.append(process)
        pages = {
            "home": "/",
            "product": args.product or first_product_path(base),
            "search": "/search?q=template",
            "library": "/library",
        }
        cookie = buyer_cookie(base)
        audited = [Page(name, base, path, cookie if name == "library" else "") for name, path in pages.items()]
        audited.append(Page("bare", bare_base, "/"))
        if args.ws_only:
            print(f"{'page':10} {'ws frames':>9} {'ws KB':>6}")
            for page in audited:
                frames, size = websocket_first_load(page.base, page.path, page.cookie)
                print(f"{page.name:10} {frames:9d} {size / 1024:6.1f}", flush=True)
            return
        load_before = settle()
        *results, bare = measure(audited, args.runs, folder)
        print(f"load average as the audits began: {load_before}")
        report(results, bare)
    finally:
        for process in processes:
            stop_group(process)
        if args.keep:
            print(f"reports and logs: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
