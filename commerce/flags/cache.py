"""Each process's copy of the flags' rules, read again from the database every few seconds.

`enabled` is called on hot paths (every page that shows a flagged feature), so it reads a
copy kept in memory rather than the database. The copy is at most `CACHE_SECONDS` old: a
change an admin makes on one replica reaches every other replica (and worker) within
that time, with nothing to publish or subscribe to. The replica where the change was made
drops its copy when the change commits, so the admin sees it at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlmodel import Session, select

from commerce.db import unit_of_work
from commerce.flags.registry import FLAGS, definition
from commerce.flags.rules import Rule
from commerce.models import FeatureFlag, FeatureFlagAccount

CACHE_SECONDS = 3.0


def read_rules(s: Session) -> dict[str, Rule]:
    """Every registered flag's rule as stored now (the default where none is stored)."""
    accounts: dict[str, set[int]] = {}
    for key, user_id in s.exec(select(FeatureFlagAccount.flag_key, FeatureFlagAccount.user_id)).all():
        accounts.setdefault(key, set()).add(user_id)
    stored = {
        row.key: Rule(row.rollout, row.percentage, frozenset(accounts.get(row.key, ())))
        for row in s.exec(select(FeatureFlag)).all()
    }
    return {key: stored.get(key, Rule.default(flag.default)) for key, flag in FLAGS.items()}


def _read_committed() -> dict[str, Rule]:
    with unit_of_work() as s:
        return read_rules(s)


class FlagCache:
    def __init__(
        self,
        ttl_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        load: Callable[[], dict[str, Rule]] = _read_committed,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._load = load
        self._rules: dict[str, Rule] | None = None
        self._loaded_at = 0.0
        # One reader at a time: when the copy expires under load, one thread reads the
        # database and the others wait for its answer instead of all reading it.
        self._lock = threading.Lock()

    def rule(self, key: str) -> Rule:
        definition(key)  # refuses an unknown key
        with self._lock:
            now = self._clock()
            if self._rules is None or now - self._loaded_at >= self.ttl_seconds:
                self._rules = self._load()
                self._loaded_at = now
            return self._rules[key]

    def forget(self) -> None:
        """Read the database on the next question (after a change on this replica)."""
        with self._lock:
            self._rules = None


flag_cache = FlagCache()


def enabled(key: str, account_id: int | None) -> bool:
    """Whether the registered flag `key` is on for the account `account_id` (None: signed out).

    UnknownFlag for a key that is not registered."""
    return flag_cache.rule(key).applies(key, account_id)
