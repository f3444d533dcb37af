"""The embedded default's state manager: a tab's substates are created when first used.

Reflex 0.10's memory manager (what rxconfig picks without Redis) builds a tab's whole tree
of state classes when the tab connects, and hydrating reads every field of every one of
them, so every tab pays for all ~55 states whatever page it shows. This manager keeps
Reflex's memory manager (locks, expiry) and changes one thing: a tab's root state starts
without substates, and `substates` is a mapping that creates a substate the first time
Reflex looks it up. Everything in Reflex reaches a substate through that lookup
(`get_state`, `get_substate`, an event's own state, the computed vars that depend on a
changed var, deltas, background tasks' `async with self`), so a state exists once an
event, a dependency or the browser's storage touches it, and hydrating sends the states
that exist.

A state that does not exist holds its defaults, which the browser's compiled page holds
too. Where that cannot be assumed, the tree is completed first, so that the browser
receives exactly what Reflex's own manager would send:

- the first hydrate of a page carries the hashes of the compiled initial state: a state
  whose hash differs from the backend's defaults (or every state, if the set of states
  differs) is created, so hydrating sends it in full;
- a hydrate without hashes (a reconnect, or an older client's `hydrate`) on a tree that
  has not hydrated this tab yet: the page may hold values of an earlier tree of the tab
  (its state expired, or the server restarted), which Reflex's snapshot overwrites, so
  every substate is created first; on a tree that has, the page only holds values of the
  states this tree created, which the snapshot carries;
- any other event on a tree that has never seen a page: Reflex rehydrates it in full
  before the event, so every substate is created first.

`install(app)` swaps it in when Reflex chose its memory manager; with Redis nothing
changes (Reflex's Redis manager loads the substates an event needs by itself).
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import weakref
from typing import TYPE_CHECKING, Any

import reflex as rx
from reflex import state as reflex_state
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken, StateToken
from reflex.state import BaseState, State
from reflex_base.constants import CompileVars
from reflex_base.event import Event
from reflex_base.utils.format import format_event_handler

if TYPE_CHECKING:
    from collections.abc import Iterator


def _substate_class(parent: type[BaseState], name: str) -> type[BaseState] | None:
    """The substate class of `parent` called `name`, or None (through Reflex's cache of
    class lookups, which Reflex clears when it reloads a module's states)."""
    try:
        cls = parent.get_class_substate((name,))
    except ValueError:
        return None
    return None if cls is parent else cls


class LazySubstates(dict[str, BaseState]):
    """A state's substates, each created on its first lookup.

    `name in substates` is true for every substate class of the owner (so Reflex's path
    walk goes on), and `substates[name]` creates the substate then. Iterating yields the
    substates created so far, over a copy: reading one can create another (a computed
    var depending on a changed var), which must not break the loop.
    """

    __slots__ = ("_owner",)

    def __init__(self, owner: BaseState):
        super().__init__()
        # Weak, so the tree is freed by reference counting once Reflex drops it.
        self._owner = weakref.ref(owner)

    def _class_of(self, name: object) -> type[BaseState] | None:
        owner = self._owner()
        if owner is None or not isinstance(name, str):
            return None
        return _substate_class(type(owner), name)

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or self._class_of(name) is not None

    def __missing__(self, name: str) -> BaseState:
        owner = self._owner()
        cls = self._class_of(name)
        if owner is None or cls is None:
            raise KeyError(name)
        substate = lazy_state(cls, parent=owner)
        self[name] = substate
        return substate

    def values(self) -> list[BaseState]:  # type: ignore[override]
        return list(dict.values(self))

    def items(self) -> list[tuple[str, BaseState]]:  # type: ignore[override]
        return list(dict.items(self))

    def __iter__(self) -> Iterator[str]:
        return iter(list(dict.keys(self)))


def lazy_state(cls: type[BaseState], parent: BaseState | None = None) -> BaseState:
    """A state instance whose substates are created on first lookup."""
    state = cls(parent_state=parent, init_substates=False, _reflex_internal_init=True)
    # `substates` is a slot Reflex sets to a plain dict in the constructor.
    object.__setattr__(state, "substates", LazySubstates(state))
    return state


def complete(state: BaseState) -> None:
    """Create every substate below `state` (what Reflex's memory manager does up front)."""
    for cls in type(state).get_substates():
        complete(state.substates[cls.get_name()])


def created_states(state: BaseState) -> Iterator[BaseState]:
    """`state` and the substates created below it so far."""
    yield state
    for substate in state.substates.values():
        yield from created_states(substate)


@functools.cache
def _hydrate_and_load_name() -> str:
    return format_event_handler(State.event_handlers[CompileVars.HYDRATE_AND_LOAD])


@functools.cache
def _hydrate_names() -> frozenset[str]:
    """`hydrate_and_load` (a browser's, on every connect) and `hydrate` (older clients')."""
    return frozenset(
        format_event_handler(State.event_handlers[name]) for name in (CompileVars.HYDRATE, CompileVars.HYDRATE_AND_LOAD)
    )


async def _default_hashes(root_cls: type[BaseState]) -> tuple[str, dict[str, str]]:
    """The digest of the state names and each state's hash of its defaults, as Reflex's
    hydrate compares them with what the browser sends (`reflex.state`'s cache of the
    initial snapshot, which Reflex fills the same way the first time it needs it)."""
    cached = reflex_state._initial_snapshot_cache.get(root_cls)
    if cached is None or cached.n_state_classes != len(reflex_state.all_base_state_classes):
        # An empty delta only fills the cache (the same call hydrate makes).
        await reflex_state._diff_against_initial_state(root_cls, {}, [])
        cached = reflex_state._initial_snapshot_cache[root_cls]
    return cached.names_digest, cached.hashes


async def prepare_for_event(root: BaseState, event: Event, *, hydrated_before: bool) -> None:
    """Create the substates whose defaults the browser may not hold before `event` runs.

    See the module's docstring: what Reflex would send from a complete tree is sent.
    `hydrated_before` says whether this tree has already sent the tab a snapshot.
    """
    hashes = (event.payload or {}).get(CompileVars.PAYLOAD_HASHES) if event.name == _hydrate_and_load_name() else None
    if hashes:
        # A page's first hydrate: a state the page holds other defaults for is sent in full.
        names_digest, state_hashes = await _default_hashes(type(root))
        if len(hashes) != len(state_hashes) + 1 or hashes[0] != names_digest:
            complete(root)
            return
        for name, browser_hash in zip(sorted(state_hashes), hashes[1:], strict=True):
            if browser_hash != state_hashes[name]:
                root.get_substate(name.split("."))
    elif event.name in _hydrate_names():
        # A reconnect (or an older client): the page holds whatever it last received. From
        # this tree, that is only states it has created; from an earlier tree of the tab
        # (expired, or before a restart), anything: then Reflex's snapshot resets them all.
        if not hydrated_before:
            complete(root)
    elif not root.router_data:
        # An event on a tree that never saw a page: Reflex rehydrates it in full first.
        complete(root)


class _ModifyPrepared:
    """Reflex's `modify_state` context, with the tree prepared for the event in hand."""

    __slots__ = ("_event", "_inner", "_key", "_manager")

    def __init__(self, manager: LazyStateManagerMemory, key: str, inner: Any, event: Event):
        self._manager = manager
        self._key = key
        self._inner = inner
        self._event = event

    async def __aenter__(self) -> Any:
        state = await self._inner.__aenter__()
        try:
            if isinstance(state, BaseState):
                await self._manager._prepare(self._key, state, self._event)
        except BaseException:
            await self._inner.__aexit__(*sys.exc_info())
            raise
        return state

    async def __aexit__(self, *exc_info: Any) -> Any:
        return await self._inner.__aexit__(*exc_info)


@dataclasses.dataclass
class LazyStateManagerMemory(StateManagerMemory):
    """Reflex's memory state manager, creating each tab's substates on first use."""

    # The trees (by cache key) that have sent their tab a snapshot.
    _hydrated: set[str] = dataclasses.field(default_factory=set, init=False)

    async def _prepare(self, key: str, root: BaseState, event: Event) -> None:
        await prepare_for_event(root, event, hydrated_before=key in self._hydrated)
        if event.name in _hydrate_names():
            self._hydrated.add(key)

    def _purge_token(self, token: StateToken) -> None:
        self._hydrated.discard(token.cache_key)
        super()._purge_token(token)

    def _get_or_create_state(self, token: StateToken[Any]) -> Any:
        key = token.cache_key
        if isinstance(token, BaseStateToken) and key not in self.states:
            self.states[key] = lazy_state(token.cls.get_root_state())
        return super()._get_or_create_state(token)

    def modify_state(self, token: Any, **context: Any) -> Any:
        inner = super().modify_state(token, **context)
        event = context.get("event")
        if event is None:
            return inner
        return _ModifyPrepared(self, self._coerce_token(token).cache_key, inner, event)


def install(app: rx.App) -> None:
    """Use the lazy manager where Reflex chose its memory manager (no Redis)."""
    manager = app._state_manager
    if type(manager) is StateManagerMemory:
        app._state_manager = LazyStateManagerMemory(token_expiration=manager.token_expiration)
