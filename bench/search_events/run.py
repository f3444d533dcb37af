"""Search as you type, measured over raw websockets against the running backend,
next to a bare Reflex counter app started the same way in the same run.

    .venv/bin/python bench/search_events/run.py
    .venv/bin/python bench/search_events/run.py --workers 1 --seconds 8

Both apps run `reflex run --env prod --backend-only` (the marketplace after
`migrate` and `seed-demo` in a fresh data folder, as `make run` does; the bare app
from a temporary folder). The clients speak Engine.IO/Socket.IO over a plain
websocket, as the browser does: connect with a token, hydrate, then send events.
The marketplace's event is the navbar's `QuickSearchState.type_text`; the bare
app's is `increment` (count += 1). Three phases per app, each bounded in count
and time:

1. cost: clients send events one at a time (wait for the answer); the server's
   CPU time (every process of the backend, from /proc) per event, and the
   deltas (Socket.IO "event" frames) each event produced;
2. throughput: 20 clients in a closed loop for --seconds; events answered per second;
3. typing: 20 clients typing words letter by letter every 120 ms (a fast typist,
   no client debounce), for --seconds; the time from a keystroke to its answer,
   p50/p95, and how many keystrokes were answered (a superseded one is dropped:
   its answer never comes, a newer one's does).

Prints each figure, its floor (the bare app) and the ratio. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.reflex_socket import Answer, Server, Session  # noqa: E402
from tests.fixtures.ports import free_port  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
REFLEX = ROOT / ".venv" / "bin" / "reflex"
STARTUP_TIMEOUT = 300
EXTRA_ARGS: list[str] = []

# Event names as the frontend sends them (reflex's format_event_handler).
TYPE_TEXT = "reflex___state____state.state___search____quick_search_state.type_text"
INCREMENT = "reflex___state____state.bare___bare____counter_state.increment"

# What buyers type: demo words, typos and plurals, letter by letter.
WORDS = ["template", "tempalte", "ebook", "ebok", "fonts", "course", "photo", "python", "music", "icons", "presets"]

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
# State in memory, as the marketplace keeps it without Redis (rxconfig.py).
BARE_CONFIG = """import reflex as rx

config = rx.Config(
    app_name="bare",
    telemetry_enabled=False,
    state_manager_mode=rx.constants.StateManagerMode.MEMORY,
)
"""


def all_workers_answer(port: int, workers: int) -> bool:
    """Whether websockets connect promptly, enough of them to reach every worker."""
    sessions = []
    try:
        for _ in range(workers * 2):
            sessions.append(Session(port))
        return True
    except (OSError, RuntimeError):
        return False
    finally:
        for session in sessions:
            session.close()


def start_backend(name: str, cwd: Path, env: dict[str, str], log: Path, workers: int | None) -> Server:
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
            if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200 and all_workers_answer(
                port, workers or 1
            ):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(1)
    server.stop()
    sys.exit(f"{name} did not start within {STARTUP_TIMEOUT}s:\n{log.read_text()[-3000:]}")


def base_env(workers: int | None) -> dict[str, str]:
    service_vars = {"DATABASE_URL", "REDIS_URL", "MEILI_URL", "MEILI_MASTER_KEY", "S3_BUCKET"}
    env = {k: v for k, v in os.environ.items() if k not in service_vars}
    env.update(
        PATH=f"{ROOT / 'tools' / 'node_modules' / '.bin'}:{env.get('PATH', '')}",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
    )
    if workers:
        env["GRANIAN_WORKERS"] = str(workers)
    return env


def start_marketplace(folder: Path, workers: int | None) -> Server:
    env = base_env(workers)
    env.update(DATA_DIR=str(folder / "data"), APP_ENV="development", REFLEX_STATES_WORKDIR=str(folder / "states"))
    for command in ("migrate", "seed-demo"):
        subprocess.run([str(PYTHON), "-m", "commerce.cli", command], cwd=ROOT, env=env, check=True, capture_output=True)
    return start_backend("marketplace", ROOT, env, folder / "marketplace.log", workers)


def start_bare(folder: Path, workers: int | None) -> Server:
    app_dir = folder / "bare"
    (app_dir / "bare").mkdir(parents=True)
    (app_dir / "rxconfig.py").write_text(BARE_CONFIG)
    (app_dir / "bare" / "__init__.py").write_text("")
    (app_dir / "bare" / "bare.py").write_text(BARE_APP)
    env = base_env(workers)
    env.update(REFLEX_STATES_WORKDIR=str(folder / "bare-states"))
    return start_backend("bare app", app_dir, env, folder / "bare.log", workers)


# -- a websocket client -----------------------------------------------------------


def changes(answer: Answer, var: str) -> bool:
    """Whether the delta sets `var` in some state (keys carry a suffix, e.g. "_rx_state_")."""
    return any(
        isinstance(substate, dict) and any(key.startswith(var + "_rx_state") for key in substate)
        for substate in answer.delta.values()
    )


@dataclass(frozen=True)
class App:
    name: str
    server: Server
    event: str
    # The payload of the i-th event of a session.
    payload: Callable[[int], dict]
    # Whether a delta is an answer: the one that shows the results (the search),
    # the new count (the bare app). Other deltas (the old handler's first one,
    # which only set the box's text) are not.
    is_answer: Callable[[Answer], bool]


def marketplace_app(server: Server) -> App:
    queries = [word[:n] for word in WORDS for n in range(2, len(word) + 1)]
    return App(
        "search keystroke",
        server,
        TYPE_TEXT,
        lambda i: {"text": queries[i % len(queries)]},
        # The handler sends only what changed: a keystroke that leaves the dropdown as it
        # was (the next letter of a word) is answered by its "see all" link alone.
        lambda answer: changes(answer, "results") or changes(answer, "see_all_url"),
    )


def bare_app(server: Server) -> App:
    return App("bare increment", server, INCREMENT, lambda i: {}, lambda answer: changes(answer, "count"))


def send_and_wait(app: App, session: Session, i: int, timeout: float = 10) -> bool:
    seen = len(session.answers)
    session.send(app.event, app.payload(i))
    return session.wait_for(lambda answers: any(app.is_answer(a) for a in answers[seen:]), timeout=timeout)


# -- phases -------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def cost(app: App, clients: int, events: int) -> tuple[float, float]:
    """CPU ms per event and frames per event, one event at a time per client."""
    sessions = [Session(app.server.port) for _ in range(clients)]
    for session in sessions:
        session.hydrate()

    def drive(session: Session) -> None:
        for i in range(events):
            if not send_and_wait(app, session, i):
                raise RuntimeError(f"{app.name}: no answer to event {i}")

    before = app.server.cpu_seconds()
    threads = [threading.Thread(target=drive, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.3)
    cpu = app.server.cpu_seconds() - before
    frames = sum(session.frames for session in sessions)
    for session in sessions:
        session.close()
    total = clients * events
    return cpu / total * 1000, frames / total


def throughput(app: App, clients: int, seconds: float) -> float:
    """Events answered per second by `clients` in a closed loop."""
    sessions = [Session(app.server.port) for _ in range(clients)]
    for session in sessions:
        session.hydrate()
    done = [0] * clients
    stop_at = time.perf_counter() + seconds

    def drive(n: int, session: Session) -> None:
        i = 0
        while time.perf_counter() < stop_at:
            if not send_and_wait(app, session, i, timeout=5):
                break
            i += 1
            done[n] = i

    started = time.perf_counter()
    threads = [threading.Thread(target=drive, args=(n, s)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for session in sessions:
        session.close()
    return sum(done) / elapsed


def typing(app: App, clients: int, seconds: float, interval: float) -> tuple[list[float], int, int]:
    """Keystroke-to-answer latencies (ms) of answered keystrokes; sent and answered counts."""
    sessions = [Session(app.server.port) for _ in range(clients)]
    for session in sessions:
        session.hydrate()
    sent_at: list[list[float]] = [[] for _ in sessions]
    stop_at = time.perf_counter() + seconds

    def drive(n: int, session: Session) -> None:
        rng = random.Random(n)
        time.sleep(rng.random() * interval)
        i = 0
        while time.perf_counter() < stop_at:
            sent_at[n].append(session.send(app.event, app.payload(i)))
            i += 1
            time.sleep(interval)

    threads = [threading.Thread(target=drive, args=(n, s)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(2)  # the last answers
    latencies: list[float] = []
    answered = 0
    for n, session in enumerate(sessions):
        session.close()
        used: set[int] = set()
        for answer in session.answers:
            if not app.is_answer(answer):
                continue
            # It shows the results for the newest keystroke sent before it (an
            # older one's answer is dropped by both handlers).
            latest = max((i for i, at in enumerate(sent_at[n]) if at <= answer.at), default=None)
            if latest is not None and latest not in used:
                used.add(latest)
                latencies.append((answer.at - sent_at[n][latest]) * 1000)
                answered += 1
    return latencies, sum(len(s) for s in sent_at), answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--workers", type=int, default=0, help="backend workers (default: reflex's; one without Redis, as make run)"
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="length of the throughput and typing phases")
    parser.add_argument("--cost-clients", type=int, default=4)
    parser.add_argument("--cost-events", type=int, default=150)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.12, help="seconds between two keystrokes")
    args = parser.parse_args()
    if args.seconds > 60 or args.cost_events > 2000 or args.clients > 200:
        sys.exit("bounded: --seconds <= 60, --cost-events <= 2000, --clients <= 200")
    workers = args.workers or None

    folder = Path(tempfile.mkdtemp(prefix="bench-search-events-"))
    servers: list[Server] = []
    try:
        servers.append(start_marketplace(folder, workers))
        servers.append(start_bare(folder, workers))
        apps = [marketplace_app(servers[0]), bare_app(servers[1])]
        print(
            f"backend workers: {workers or 'reflex default'}; clients: {args.clients};"
            f" phases of {args.seconds:.0f} s; load average {os.getloadavg()[0]:.1f}\n"
        )
        results: dict[str, dict[str, float]] = {}
        for app in apps:
            cost(app, 2, 20)  # warm up: imports, caches, the engine's first searches
            cpu_ms, frames = cost(app, args.cost_clients, args.cost_events)
            rate = throughput(app, args.clients, args.seconds)
            latencies, sent, answered = typing(app, args.clients, args.seconds, args.interval)
            results[app.name] = {
                "cpu": cpu_ms,
                "frames": frames,
                "rate": rate,
                "p50": statistics.median(latencies) if latencies else float("nan"),
                "p95": percentile(latencies, 95),
                "answered": answered / sent if sent else 0,
            }
        search, bare = results["search keystroke"], results["bare increment"]
        rows = [
            ("server CPU per event (ms)", "cpu", "<= 3x"),
            ("deltas per event", "frames", "1"),
            (f"events/s, {args.clients} clients closed loop", "rate", ">= 500/s"),
            (f"typing, {args.clients} clients: answer p50 (ms)", "p50", ""),
            (f"typing, {args.clients} clients: answer p95 (ms)", "p95", "<= 3x"),
            ("typing: keystrokes answered", "answered", ""),
        ]
        print(f"{'':44} {'search':>10} {'bare (floor)':>13} {'ratio':>7}  target")
        for label, key, target in rows:
            ratio = search[key] / bare[key] if bare[key] else float("nan")
            print(f"{label:44} {search[key]:10.2f} {bare[key]:13.2f} {ratio:7.2f}  {target}")
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
