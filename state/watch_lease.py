"""A background watcher's claim on a tab, which lapses when the process running it dies.

The order page, the library and the notification badge each run one watcher per tab and
mark the tab's state so that the event that starts it, sent again, does not start a second
one. (Each also numbers its page loads: a reload's watcher takes over and the old one stops,
since after a reload the old one may run on a replica that no longer has the tab's socket.)
With Redis the state outlives the process: a replica killed in the middle of a watch never
runs its `finally`, and a plain flag would keep every later watcher away from that tab (no
live order, library or badge) until the state expires. So the mark is a wall-clock deadline
that the watcher pushes forward on every round; a dead watcher's mark runs out by itself.
"""

from __future__ import annotations

import time
from typing import Protocol

# Longer than any watcher's round (a poll of at most 3 s and its queries), short enough
# that a tab whose watcher died gets a new one on its next page load soon after.
LEASE_SECONDS = 15.0


def lease() -> float:
    """A fresh claim: the deadline to store in the state (and to renew every round)."""
    return time.time() + LEASE_SECONDS


def held(deadline: float) -> bool:
    """Whether a watcher still holds the claim that ends at `deadline`."""
    return deadline > time.time()


class WatchedPage(Protocol):
    """A page state with a watcher: its loads' number, the load its watcher serves (0 when
    none runs) and that watcher's claim."""

    _load_number: int
    _watched_load: int
    _watching_until: float


def claim(page: WatchedPage) -> int | None:
    """The current load, claimed for a new watcher; None when that load's watcher runs."""
    load = page._load_number
    if page._watched_load == load and held(page._watching_until):
        return None
    page._watched_load, page._watching_until = load, lease()
    return load


def renew(page: WatchedPage, load: int) -> bool:
    """Each round, under the state's lock: push the claim forward, or False when the page
    was loaded again since `load` (the new load's watcher serves it; this one stops)."""
    if page._load_number != load:
        return False
    page._watching_until = lease()
    return True


def release(page: WatchedPage, load: int) -> bool:
    """When the watcher of `load` ends: give up the claim, unless a newer load's watcher
    holds it. True when it was this one's."""
    if page._watched_load != load:
        return False
    page._watched_load, page._watching_until = 0, 0.0
    return True
