"""Is this process ready to serve? The dependencies `/readyz` checks, each cheaply.

The database answers a trivial query, and its schema is the code's (Alembic's head is
the database's version; read at most every MIGRATION_CHECK_SECONDS); Redis answers a
PING when REDIS_URL is set; the blob store answers a lookup of a key that does not
exist; the search engine says it is healthy. Each check has CHECK_TIMEOUT_SECONDS, all
run at once, and a failure is named by its kind only (an error's text can name hosts
and users). Liveness (`/healthz`) asks none of this: a process whose database is down
is alive, and restarting it would not help.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import lru_cache
from time import monotonic

import redis
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from commerce.config import PROJECT_ROOT, get_settings
from commerce.db import check_database, get_engine
from commerce.search import search_index
from commerce.storage import blob_store

CHECK_TIMEOUT_SECONDS = 3.0
MIGRATION_CHECK_SECONDS = 10.0
# A key no one writes: looking it up proves the store answers, whatever it holds.
PROBE_KEY = "health/readiness-probe"
OK, SKIPPED = "ok", "skipped"

log = logging.getLogger(__name__)
# Shared by every /readyz: a check stuck on a dead server holds one thread, not one per probe.
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readiness")


def _not_from_a_probe(record: logging.LogRecord) -> bool:
    # Alembic announces its dialect at INFO whenever it reads the version: a balancer probing
    # every few seconds would fill the log with it. Migrations themselves still log.
    return not (record.threadName or "").startswith("readiness")


logging.getLogger("alembic.runtime.migration").addFilter(_not_from_a_probe)


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]  # name -> "ok", "skipped" or what went wrong

    @property
    def ready(self) -> bool:
        return all(result in (OK, SKIPPED) for result in self.checks.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, result in self.checks.items() if result not in (OK, SKIPPED)]


class NotReady(Exception):
    """A dependency answered, but not as it should (the message says how; no host or user)."""


@lru_cache(maxsize=1)
def _code_heads() -> frozenset[str]:
    """The migration heads this code ships (files do not change while it runs)."""
    return frozenset(ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini"))).get_heads())


class _MigrationCheck:
    """The schema version, read from the database at most every MIGRATION_CHECK_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._error: Exception | None = None

    def __call__(self) -> None:
        with self._lock:
            if self._checked_at is None or monotonic() - self._checked_at >= MIGRATION_CHECK_SECONDS:
                self._error = None
                try:
                    self._compare()
                except Exception as exc:
                    self._error = exc
                self._checked_at = monotonic()
            if self._error is not None:
                raise self._error

    def forget(self) -> None:
        with self._lock:
            self._checked_at = None

    @staticmethod
    def _compare() -> None:
        with get_engine().connect() as connection:
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
        if current != _code_heads():
            raise NotReady("the database schema is not at the code's migration head: run `cli migrate`")


migrations_current = _MigrationCheck()


def _redis() -> None:
    url = get_settings().redis_url
    if url is None:
        return
    _redis_client(url).ping()


@lru_cache(maxsize=2)
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=CHECK_TIMEOUT_SECONDS, socket_connect_timeout=CHECK_TIMEOUT_SECONDS)


def _blob_store() -> None:
    blob_store().exists(PROBE_KEY)


def _search() -> None:
    if not search_index().health():
        raise NotReady("the search engine reports it is not healthy")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": migrations_current,
    "redis": _redis,
    "blob_store": _blob_store,
    "search": _search,
}


def _describe(error: BaseException) -> str:
    if isinstance(error, NotReady):
        return str(error)
    if isinstance(error, FutureTimeout):
        return f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"
    return f"unavailable ({type(error).__name__})"


def check_readiness() -> Readiness:
    """Run every check at once; each gets CHECK_TIMEOUT_SECONDS."""
    skipped = {"redis"} if get_settings().redis_url is None else set()
    futures = {name: _pool.submit(check) for name, check in CHECKS.items() if name not in skipped}
    deadline = monotonic() + CHECK_TIMEOUT_SECONDS
    results = dict.fromkeys(skipped, SKIPPED)
    for name, future in futures.items():
        try:
            future.result(timeout=max(0.0, deadline - monotonic()))
            results[name] = OK
        except Exception as error:  # any failure means "not ready"; the kind is the answer
            results[name] = _describe(error)
            # The operator's log gets the error's own words (hosts included); the answer does not.
            log.warning("not ready: %s: %s: %s", name, type(error).__name__, str(error)[:300] or "timed out")
    return Readiness({name: results[name] for name in CHECKS})
