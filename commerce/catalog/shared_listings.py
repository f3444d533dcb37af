"""When a copy of a listing shared between visitors goes stale.

Pages every visitor sees alike (the home page's newest products and categories) keep
one copy per language and page for all the tabs of a process (`state/home.py`). A
copy is good while `generation()` has not moved since it was made: every commit in
this process that changes what buyers see of products moves it (`forget_after_commit`,
subscribed to `ProductsChanged`). Another process's change (a replica, a worker) is
not seen here, so a copy also ages out after `MAX_AGE_SECONDS`.
"""

from __future__ import annotations

import itertools

from sqlmodel import Session

from commerce.db import after_commit
from commerce.events import ProductsChanged

MAX_AGE_SECONDS = 30.0

_counter = itertools.count(1)
_generation = 0


def generation() -> int:
    return _generation


def _move_on() -> None:
    global _generation
    _generation = next(_counter)


def forget_after_commit(s: Session, _event: ProductsChanged) -> None:
    """Shared listings made before this transaction's change are stale once it commits."""
    after_commit(s, _move_on, once_as="shared-listings-stale")
