"""Jobs: plain module-level functions with a name and a retry policy.

Decorating a function makes it a `Job`; nothing is registered by importing it.
`commerce.wiring.JOBS` lists every job, and the worker consumes exactly those.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# dramatiq's own rule for queue names (they become Redis key parts).
_QUEUE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9._-]*")


@dataclass(frozen=True)
class Job:
    """A function that runs in the background, by keyword arguments only."""

    name: str
    fn: Callable[..., None]
    queue: str
    max_retries: int
    min_backoff_ms: int
    max_backoff_ms: int
    # Lower runs first when jobs wait for a thread (delivery before rollups).
    priority: int = 0
    # Above 0: the job runs this long after it is first asked for, and asking again
    # (same arguments) while it waits adds nothing, so a burst of sales costs one run.
    debounce_ms: int = 0

    def debounce_key(self, payload: dict[str, Any]) -> str:
        return f"{self.name}:{json.dumps(payload, sort_keys=True)}"

    def __call__(self, **kwargs: Any) -> None:
        """Run now, in this thread (what a worker does with a message)."""
        self.fn(**kwargs)

    def payload(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The arguments as a worker will see them, checked now rather than in the worker.

        Both backends get the JSON round trip, so a tuple arrives as a list
        whichever one runs the job.
        """
        try:
            inspect.signature(self.fn).bind(**kwargs)
        except TypeError as exc:
            raise TypeError(f"job {self.name}: {exc}") from None
        try:
            return json.loads(json.dumps(kwargs, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"job {self.name}: arguments must be JSON-serialisable ({exc})") from None


def job(
    *,
    name: str | None = None,
    max_retries: int = 5,
    min_backoff_ms: int = 15_000,
    max_backoff_ms: int = 3_600_000,
    queue: str = "default",
    priority: int = 0,
    debounce_ms: int = 0,
) -> Callable[[Callable[..., None]], Job]:
    """Make a module-level function a job.

    A failed attempt is retried up to `max_retries` times, waiting an exponential
    backoff with jitter between `min_backoff_ms` and `max_backoff_ms` (dramatiq's
    policy, applied by both backends). The name, by default `module.function`,
    is what travels in the queue, so web and worker processes must agree on it.
    `priority` orders jobs waiting for a thread (lower first); `debounce_ms` delays a
    job and folds every request for it (same arguments) made meanwhile into one run:
    for work that catches up with everything pending (a reindex, a rollup).
    """
    if debounce_ms < 0:
        raise ValueError("debounce_ms must be 0 or more")
    if max_retries < 0:
        raise ValueError("max_retries must be 0 or more")
    if not 0 < min_backoff_ms <= max_backoff_ms:
        raise ValueError("backoffs must satisfy 0 < min_backoff_ms <= max_backoff_ms")
    if not _QUEUE_NAME.fullmatch(queue):
        raise ValueError(f"invalid queue name {queue!r}")

    def make_job(fn: Callable[..., None]) -> Job:
        if "<locals>" in fn.__qualname__:
            raise ValueError(f"{fn.__qualname__}: a job must be a module-level function so workers can import it")
        return Job(
            name=name or f"{fn.__module__}.{fn.__qualname__}",
            fn=fn,
            queue=queue,
            max_retries=max_retries,
            min_backoff_ms=min_backoff_ms,
            max_backoff_ms=max_backoff_ms,
            priority=priority,
            debounce_ms=debounce_ms,
        )

    return make_job
