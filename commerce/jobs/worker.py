"""The worker process: `python -m commerce.jobs.worker [--threads N] [module ...]`.

Needed only when REDIS_URL is set; without it jobs run inside the web process.
Jobs live in `commerce/<domain>/tasks.py`; every such module is imported so its
jobs are known, plus any module named on the command line.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import pkgutil
import signal
import sys
import threading
from collections.abc import Iterable

import dramatiq

import commerce
from commerce.jobs.backends import DramatiqBackend
from commerce.jobs.dispatch import configure_jobs, current_backend, shutdown_jobs
from commerce.jobs.registry import registered_jobs

log = logging.getLogger(__name__)


def job_modules() -> list[str]:
    """Every `commerce.<package>.tasks` module that exists."""
    found = []
    for package in pkgutil.iter_modules(commerce.__path__):
        name = f"commerce.{package.name}.tasks"
        if package.ispkg and importlib.util.find_spec(name) is not None:
            found.append(name)
    return found


def load_job_modules() -> None:
    """Import every tasks module: their jobs, and the order hooks they register (delivery,
    search, analytics). Every process that changes orders calls this first: the web app,
    the worker and the CLI."""
    for name in job_modules():
        importlib.import_module(name)


def start_worker(*, threads: int = 4, timeout_ms: int = 1000) -> dramatiq.Worker:
    """Start consuming every registered job's queue; the caller stops the worker."""
    backend = current_backend()
    if not isinstance(backend, DramatiqBackend):
        raise RuntimeError("no Redis configured: jobs run in-process, there is nothing for a worker to consume")
    for registered in registered_jobs():
        backend.declare(registered)
    worker = dramatiq.Worker(backend.broker, worker_threads=threads, worker_timeout=timeout_ms)
    worker.start()
    return worker


def run_worker(modules: Iterable[str] = (), *, threads: int = 4) -> None:
    """Import the job modules and process jobs until SIGINT or SIGTERM."""
    load_job_modules()
    for name in modules:
        importlib.import_module(name)
    worker = start_worker(threads=threads)
    log.info("worker running %d job(s) with %d thread(s)", len(registered_jobs()), threads)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    log.info("stopping: finishing the jobs in hand")
    worker.stop()
    shutdown_jobs()


def main(argv: list[str] | None = None) -> int:
    from commerce.config import get_settings

    parser = argparse.ArgumentParser(prog="python -m commerce.jobs.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4, help="jobs run at once (default 4)")
    parser.add_argument("modules", nargs="*", help="extra modules defining jobs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    settings = get_settings()
    if not settings.redis_url:
        print("REDIS_URL is not set: jobs run inside the web process, no worker is needed.", file=sys.stderr)
        return 2
    configure_jobs(settings.redis_url)
    run_worker(args.modules, threads=args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
