"""The embedded default over a long run: memory and files after many visits, and memory
per connected tab next to a bare Reflex app.

    .venv/bin/python bench/state_memory/run.py                    # 10,000 visits
    .venv/bin/python bench/state_memory/run.py --visits 2000 --tabs 100
    .venv/bin/python bench/state_memory/run.py --mode disk        # Reflex's disk manager, as before
    .venv/bin/python bench/state_memory/run.py --legacy-hydrate   # tabs send Reflex's older hydrate

Both apps run `reflex run --env prod --backend-only` without Redis (the marketplace after
`migrate` and `seed-demo` in a fresh data folder, as `make run` does; the bare counter app
from a temporary folder). A visit is a browser tab's websocket (Engine.IO/Socket.IO, as the
browser speaks it): connect with a new token, hydrate the home page as a browser's first
load does (`hydrate_and_load` carrying the hashes of the compiled initial state, which each
app's state gives in a separate process, then the page's on-load events), close;
`--legacy-hydrate` sends Reflex's older `hydrate` event instead (the whole snapshot, no
on-load events), as this benchmark did before. Phases:

1. per tab: `--tabs` tabs connected, then hydrated `--at-once` at a time (default one, so
   the figure is what a tab keeps, not what many loading together allocate for a moment);
   the backend's resident memory (every process, from /proc) grown per tab, for each app
   (the bare app is the floor);
2. long run: `--visits` visits by 8 clients; the marketplace's memory and the number of
   files in the states folder after them, and again once idle states have expired
   (STATE_IDLE_SECONDS is set to `--idle` seconds for this run).

The websocket client is bench/reflex_socket.py, shared with bench/search_events. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.reflex_socket import Server, Session, initial_state_hashes  # noqa: E402
from tests.fixtures.ports import free_port  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
REFLEX = ROOT / ".venv" / "bin" / "reflex"
STARTUP_TIMEOUT = 300
EXTRA_ARGS: list[str] = []

BARE_APP = """
import reflex as rx


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.text(CounterState.count)


app = rx.App()
app.add_page(index)
"""
BARE_CONFIG = 'import reflex as rx\n\nconfig = rx.Config(app_name="bare", telemetry_enabled=False)\n'


def start_backend(name: str, cwd: Path, env: dict[str, str], log: Path, workers: int) -> Server:
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(REFLEX), "run", "--env", "prod", "--backend-only", "--backend-port", str(port), *EXTRA_ARGS],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, process, port, log)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{name} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(1)
    server.stop()
    sys.exit(f"{name} did not start within {STARTUP_TIMEOUT}s:\n{log.read_text()[-3000:]}")


def base_env(workers: int) -> dict[str, str]:
    service_vars = {"DATABASE_URL", "REDIS_URL", "MEILI_URL", "MEILI_MASTER_KEY", "S3_BUCKET"}
    env = {k: v for k, v in os.environ.items() if k not in service_vars}
    env.update(
        PATH=f"{ROOT / 'tools' / 'node_modules' / '.bin'}:{env.get('PATH', '')}",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
        GRANIAN_WORKERS=str(workers),
    )
    return env


def market_env(folder: Path, workers: int = 1) -> dict[str, str]:
    env = base_env(workers)
    env.update(DATA_DIR=str(folder / "data"), APP_ENV="development")
    return env


def start_marketplace(folder: Path, workers: int) -> Server:
    env = market_env(folder, workers)
    for command in ("migrate", "seed-demo"):
        subprocess.run([str(PYTHON), "-m", "commerce.cli", command], cwd=ROOT, env=env, check=True, capture_output=True)
    return start_backend("marketplace", ROOT, env, folder / "marketplace.log", workers)


def start_bare(folder: Path, workers: int) -> Server:
    app_dir = folder / "bare"
    (app_dir / "bare").mkdir(parents=True)
    (app_dir / "rxconfig.py").write_text(BARE_CONFIG)
    (app_dir / "bare" / "__init__.py").write_text("")
    (app_dir / "bare" / "bare.py").write_text(BARE_APP)
    return start_backend("bare app", app_dir, base_env(workers), folder / "bare.log", workers)


# -- a websocket client -----------------------------------------------------------


def rss_kib(server: Server) -> int:
    total = 0
    for pid in server.pids():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def files_in(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0


# Per backend port: the initial-state hashes its compiled frontend would send; None sends
# the legacy `hydrate` event instead (no on-load events, the whole snapshot).
HASHES: dict[int, list[str] | None] = {}


def connect(tab: Session) -> tuple[int, int]:
    """Hydrate a connected tab as a browser does; the state frames and bytes it received."""
    hashes = HASHES.get(tab.port)
    if hashes is None:
        tab.hydrate()
        return 0, 0
    return tab.hydrate_and_load(hashes)


def visit(port: int) -> tuple[int, int]:
    tab = Session(port)
    try:
        return connect(tab)
    finally:
        tab.close()


def per_tab(server: Server, tabs: int, at_once: int) -> float:
    """KiB of resident memory each connected, hydrated tab adds (tabs load `at_once` at a
    time; what many loading at once allocate for a moment also stays in the resident figure)."""
    for _ in range(20):
        visit(server.port)
    time.sleep(2)
    before = rss_kib(server)
    with ThreadPoolExecutor(16) as pool:
        opened = list(pool.map(lambda _: Session(server.port), range(tabs)))
    with ThreadPoolExecutor(at_once) as pool:
        list(pool.map(connect, opened))
    time.sleep(2)
    after = rss_kib(server)
    for tab in opened:
        tab.close()
    return (after - before) / tabs


def long_run(server: Server, visits: int, states: Path, deadline: float) -> tuple[int, int, float]:
    """`visits` visits by 8 clients; prints memory and state files at each quarter."""
    done = 0
    lock = threading.Lock()
    start = time.monotonic()
    marks = {visits * q // 4 for q in (1, 2, 3)}

    def client(_: int) -> None:
        nonlocal done
        while time.monotonic() < deadline:
            with lock:
                if done >= visits:
                    return
                done += 1
                mark = done in marks
            visit(server.port)
            if mark:
                print(
                    f"  after {done:6d} visits ({time.monotonic() - start:5.0f} s): {rss_kib(server) / 1024:7.1f} MiB"
                    f" resident, {files_in(states):6d} state files",
                    flush=True,
                )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(client, range(8)))
    return done, rss_kib(server), time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--tabs", type=int, default=100)
    parser.add_argument("--idle", type=int, default=60, help="STATE_IDLE_SECONDS for this run")
    parser.add_argument(
        "--mode",
        choices=["default", "disk"],
        default="default",
        help="default: what rxconfig chooses without Redis; disk: Reflex's disk manager (before)",
    )
    parser.add_argument(
        "--legacy-hydrate",
        action="store_true",
        help="tabs send Reflex's legacy `hydrate` event (whole snapshot, no on-load events) instead of"
        " a browser's `hydrate_and_load` with the compiled initial state's hashes",
    )
    parser.add_argument("--at-once", type=int, default=1, help="tabs hydrating at the same time (per-tab phase)")
    parser.add_argument("--max-minutes", type=float, default=20, help="a bound on the long run")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench_state_"))
    states = folder / "states"
    extra = {
        "STATE_IDLE_SECONDS": str(args.idle),
        "REFLEX_REDIS_TOKEN_EXPIRATION": str(args.idle),
        "REFLEX_STATES_WORKDIR": str(states),
    }
    if args.mode == "disk":
        extra["REFLEX_STATE_MANAGER_MODE"] = "disk"
    os.environ.update(extra)
    servers: list[Server] = []
    try:
        market = start_marketplace(folder, 1)
        servers.append(market)
        # The floor runs with the marketplace's state manager, so the comparison is of the apps.
        os.environ["REFLEX_STATES_WORKDIR"] = str(folder / "bare-states")
        os.environ["REFLEX_STATE_MANAGER_MODE"] = "disk" if args.mode == "disk" else "memory"
        bare = start_bare(folder, 1)
        servers.append(bare)
        if not args.legacy_hydrate:
            HASHES[market.port] = initial_state_hashes(ROOT, market_env(folder), PYTHON)
            HASHES[bare.port] = initial_state_hashes(folder / "bare", base_env(1), PYTHON)
            for server in (market, bare):
                frames, size = visit(server.port)
                print(f"first load over the websocket, {server.name}: {frames} frames, {size / 1024:.1f} KB of state")
        market_tab, bare_tab = per_tab(market, args.tabs, args.at_once), per_tab(bare, args.tabs, args.at_once)
        hydrate = "legacy hydrate" if args.legacy_hydrate else "hydrate_and_load with the initial state's hashes"
        print(f"state manager: {args.mode}; idle expiry {args.idle} s; tabs send {hydrate}")
        print(
            f"memory per connected tab ({args.tabs} tabs, {args.at_once} loading at once):"
            f" marketplace {market_tab:7.1f} KiB, bare app (floor) {bare_tab:7.1f} KiB,"
            f" ratio {market_tab / bare_tab:.2f}   (target <= 1.2)"
        )
        bare.stop()
        start_rss, start_files = rss_kib(market), files_in(states)
        done, rss, seconds = long_run(market, args.visits, states, time.monotonic() + args.max_minutes * 60)
        files = files_in(states)
        print(f"long run: {done} visits in {seconds:.0f} s")
        print(f"  before the visits: {start_rss / 1024:7.1f} MiB resident, {start_files:6d} state files")
        print(f"  after the visits:  {rss / 1024:7.1f} MiB resident, {files:6d} state files")
        time.sleep(args.idle + 15)
        visit(market.port)  # the expiry sweep runs when the manager is used
        time.sleep(3)
        later, later_files = rss_kib(market) / 1024, files_in(states)
        print(f"  {args.idle + 15} s idle later: {later:7.1f} MiB resident, {later_files:6d} state files")
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
