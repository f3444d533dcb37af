"""Every metric the app exports, and their Prometheus text rendering.

Labels only ever hold bounded values: route templates (never raw paths), handler and
job names from the code, outcomes from a fixed list. Nothing here names a user.

Several processes (granian workers, replicas on one host, `make worker` processes) share
their figures through prometheus-client's multiprocess mode: set PROMETHEUS_MULTIPROC_DIR
to an empty folder, the same for every process of the host, before they start (the
library reads it when it is first imported), and `/metrics` adds them up. Without it each
process exports its own figures (one web process and, if any, workers with their own
WORKER_METRICS_PORT). Gauges of a process that exits are dropped (`mark_process_dead`
at exit), so the live-summed gauges below stay true after a restart.
"""

from __future__ import annotations

import atexit
import os
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    start_http_server,
)
from prometheus_client.exposition import choose_encoder

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "marketplace_"

# Seconds: from a cached page answer (a few ms) to a slow export or a stuck dependency.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Jobs wait and run longer than requests: up to the backoff of a retry (minutes).
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

# -- HTTP (storefront's middleware on the API app: every request the backend answers) ----
HTTP_REQUESTS = Counter(
    PREFIX + "http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    PREFIX + "http_request_duration_seconds",
    "Time to answer an HTTP request (until the last byte was handed to the server).",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)

# -- Reflex events (the websocket: every click, keystroke and page load) -----------------
REFLEX_EVENTS = Counter(
    PREFIX + "reflex_events_total",
    "Reflex event handler runs, by handler (state.handler) and outcome (ok, error).",
    ["handler", "outcome"],
)
REFLEX_EVENT_DURATION = Histogram(
    PREFIX + "reflex_event_duration_seconds",
    "Time a Reflex event took, waiting for its tab's state included.",
    ["handler"],
    buckets=LATENCY_BUCKETS,
)
CONNECTED_SOCKETS = Gauge(
    PREFIX + "reflex_connected_sockets",
    "Open websocket connections (tabs) served by the app's processes.",
    multiprocess_mode="livesum",
)

# -- Background jobs ------------------------------------------------------------------
JOBS_ENQUEUED = Counter(PREFIX + "jobs_enqueued_total", "Jobs sent to the queue, by job.", ["job"])
JOB_RUNS = Counter(
    PREFIX + "job_runs_total",
    "Job attempts, by job and outcome (succeeded, failed: a retry follows or it was its last).",
    ["job", "outcome"],
)
JOB_RETRIES = Counter(PREFIX + "job_retries_total", "Failed attempts that will be tried again, by job.", ["job"])
JOB_DEAD_LETTERS = Counter(
    PREFIX + "job_dead_letters_total",
    "Jobs that failed every attempt (written to the failed_jobs table), by job.",
    ["job"],
)
JOB_DURATION = Histogram(PREFIX + "job_duration_seconds", "Time one job attempt ran.", ["job"], buckets=JOB_BUCKETS)
JOB_WAIT = Histogram(
    PREFIX + "job_wait_seconds",
    "Time from being due (enqueued, or its retry or debounce delay over) to starting.",
    ["job"],
    buckets=JOB_BUCKETS,
)
JOB_QUEUE_DEPTH = Gauge(
    PREFIX + "job_queue_depth",
    "Jobs not done yet, by queue (Redis: unacknowledged messages, delayed ones included; in-process: not started).",
    ["queue"],
    # Every process reads the same Redis queue when asked: the latest reading is the answer.
    multiprocess_mode="livemostrecent",
)

# -- Webhooks -------------------------------------------------------------------------
WEBHOOKS_RECEIVED = Counter(
    PREFIX + "webhooks_received_total",
    "Payment and payout webhooks received, by kind (payments, connect), provider and outcome.",
    ["kind", "provider", "outcome"],
)
WEBHOOKS_SENT = Counter(
    PREFIX + "webhooks_sent_total",
    "Delivery attempts of sellers' webhooks, by outcome (delivered, failed).",
    ["outcome"],
)

# -- Money ------------------------------------------------------------------------------
ORDERS_PAID = Counter(PREFIX + "orders_paid_total", "Orders marked paid (counted once their transaction committed).")
ORDERS_REFUNDED = Counter(PREFIX + "orders_refunded_total", "Refunds made, whole or partial (after commit).")
PAYOUTS_FAILED = Counter(PREFIX + "payouts_failed_total", "Sellers' payouts that failed (after commit).")

# -- Search and database ------------------------------------------------------------------
SEARCH_DURATION = Histogram(
    PREFIX + "search_duration_seconds",
    "Time the search engine took to answer, by kind (page: the results page, quick: as you type).",
    ["kind"],
    buckets=LATENCY_BUCKETS,
)
DB_POOL_CHECKED_OUT = Gauge(
    PREFIX + "db_pool_checked_out",
    "Database connections in use (checked out of the processes' pools).",
    multiprocess_mode="livesum",
)
DB_POOL_CAPACITY = Gauge(
    PREFIX + "db_pool_capacity",
    "Connections the processes' pools may open at most (pool size plus overflow).",
    multiprocess_mode="livesum",
)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def _registry() -> CollectorRegistry:
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def render(accept: str | None) -> tuple[bytes, str]:
    """The exposition (body, content type) of this process, or of every process sharing
    PROMETHEUS_MULTIPROC_DIR, in the format the scraper's Accept header asks for (text or OpenMetrics)."""
    encode, content_type = choose_encoder(accept or "")
    return encode(_registry()), content_type


def serve(port: int, addr: str) -> WSGIServer:
    """Serve the exposition on its own port, in a thread, without a token (a worker process:
    bind it to an address only the Prometheus server reaches)."""
    server, _ = start_http_server(port, addr, registry=_registry())
    return server


def _forget_this_process() -> None:
    # os.getpid() at exit: a forked worker inherits this hook and must drop its own files.
    multiprocess.mark_process_dead(os.getpid())


def start() -> None:
    """Per process, at start: in multiprocess mode, drop this process's live gauges when it exits."""
    if multiprocess_dir():
        atexit.unregister(_forget_this_process)
        atexit.register(_forget_this_process)
