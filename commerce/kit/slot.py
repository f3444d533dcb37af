"""A place for one outside system's adapter, which the composition root fills.

A port declares its slot next to its protocol,

    blob_store: Slot[BlobStore] = Slot("blob store")

services call it to get the adapter (`storage.blob_store()`), and
`commerce.wiring.configure()` plugs in a factory chosen from the settings at every
entry point (web app, worker, CLI, tests). The adapter is built on first use and
then kept, so a backend that is down at start-up is tried again on the next call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class Slot(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._factory: Callable[[], T] | None = None
        self._adapter: T | None = None
        self._lock = threading.Lock()

    def plug(self, factory: Callable[[], T]) -> None:
        """Build the adapter with `factory` on next use (forgetting one built before)."""
        with self._lock:
            self._factory, self._adapter = factory, None

    def __call__(self) -> T:
        adapter = self._adapter
        if adapter is not None:
            return adapter
        with self._lock:
            if self._adapter is None:
                if self._factory is None:
                    raise RuntimeError(f"No {self.name} is plugged in: call commerce.wiring.configure() at start-up.")
                self._adapter = self._factory()
            return self._adapter

    def forget(self) -> None:
        """Drop the built adapter; the factory builds a new one on next use (settings changed)."""
        with self._lock:
            self._adapter = None

    @contextmanager
    def replaced(self, adapter: T) -> Iterator[T]:
        """Use `adapter` for the duration (tests), then go back to the factory."""
        with self._lock:
            saved = self._factory, self._adapter
            self._factory, self._adapter = (lambda: adapter), adapter
        try:
            yield adapter
        finally:
            with self._lock:
                self._factory, self._adapter = saved
