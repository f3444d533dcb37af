"""License checks' activity (uses counted, instances last seen), kept in memory and written
in one transaction every few seconds, so a valid check of a key writes nothing itself.

A key with a usage limit is the exception: its count decides the next answer, so the
license API counts its uses at once, by an atomic conditional UPDATE (`api.validate`). For the
others the count and "last seen" are activity figures, and a process stopping hard
loses at most the last `FLUSH_SECONDS` of them; `flush` runs at shutdown too. Each web
process keeps its own buffer, and the flushed statements add to the stored figures
(`usage_count + n`, the later of two times), so several processes never overwrite each other.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from datetime import datetime

from sqlalchemy import bindparam, case
from sqlmodel import Session

from commerce.db import unit_of_work
from commerce.models import LicenseActivation, LicenseKey

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0


class ActivityBuffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._uses: Counter[int] = Counter()
        self._seen: dict[int, datetime] = {}

    def record(self, key_id: int, *, activation_id: int | None, when: datetime, counted: bool = False) -> None:
        """One valid check of a key (on an active instance, when it named one); `counted`:
        its use is already stored (a key with a usage limit), only "last seen" waits here."""
        with self._lock:
            if not counted:
                self._uses[key_id] += 1
            if activation_id is not None and (activation_id not in self._seen or self._seen[activation_id] < when):
                self._seen[activation_id] = when

    def pending_uses(self, key_id: int) -> int:
        with self._lock:
            return self._uses.get(key_id, 0)

    def last_seen(self, activation_id: int) -> datetime | None:
        with self._lock:
            return self._seen.get(activation_id)

    def drain(self) -> tuple[Counter[int], dict[int, datetime]]:
        """Take everything recorded so far (to write it, or `put_back` if that fails)."""
        with self._lock:
            uses, seen = self._uses, self._seen
            self._uses, self._seen = Counter(), {}
        return uses, seen

    def put_back(self, uses: Counter[int], seen: dict[int, datetime]) -> None:
        with self._lock:
            self._uses.update(uses)
            for activation_id, when in seen.items():
                if activation_id not in self._seen or self._seen[activation_id] < when:
                    self._seen[activation_id] = when

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._uses or self._seen)


buffer = ActivityBuffer()


def write(s: Session, uses: Counter[int], seen: dict[int, datetime]) -> None:
    """Add drained activity to the stored figures in `s` (the caller commits).

    One executemany per table (psycopg pipelines it), in id order so two processes flushing
    at once lock rows in the same order: one ORM statement per key cost more server CPU,
    under the GIL, than the checks whose uses it wrote."""
    keys, activations = LicenseKey.__table__, LicenseActivation.__table__  # type: ignore[attr-defined]
    connection = s.connection()
    if uses:
        connection.execute(
            keys.update()
            .where(keys.c.id == bindparam("key_id"))
            .values(usage_count=keys.c.usage_count + bindparam("uses")),
            [{"key_id": key_id, "uses": count} for key_id, count in sorted(uses.items())],
        )
    if seen:
        connection.execute(
            activations.update()
            .where(activations.c.id == bindparam("activation_id"))
            .values(
                last_seen_at=case(
                    (activations.c.last_seen_at < bindparam("when"), bindparam("when")),
                    else_=activations.c.last_seen_at,
                )
            ),
            [{"activation_id": activation_id, "when": when} for activation_id, when in sorted(seen.items())],
        )


def flush() -> int:
    """Write this process's recorded activity in one transaction; returns the uses written.

    If the transaction fails, the activity goes back into the buffer for the next round."""
    uses, seen = buffer.drain()
    if not uses and not seen:
        return 0
    try:
        with unit_of_work() as s:
            write(s, uses, seen)
    except Exception:
        buffer.put_back(uses, seen)
        log.exception("could not write license activity; keeping it for the next round")
        return 0
    return sum(uses.values())


async def periodic_flush() -> None:
    """Run for the life of the web app: write license activity every few seconds, and at the end."""
    try:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await asyncio.to_thread(flush)
    finally:
        await asyncio.to_thread(flush)
