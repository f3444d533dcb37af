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

# Longer than any watcher's round (a poll of at most 3 s and its queries), short enough
# that a tab whose watcher died gets a new one on its next page load soon after.
LEASE_SECONDS = 15.0


def lease() -> float:
    """A fresh claim: the deadline to store in the state (and to renew every round)."""
    return time.time() + LEASE_SECONDS


def held(deadline: float) -> bool:
    """Whether a watcher still holds the claim that ends at `deadline`."""
    return deadline > time.time()
