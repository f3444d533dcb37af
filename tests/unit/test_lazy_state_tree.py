"""The embedded default's state manager (storefront/lazy_state.py) creates a tab's substates
as its events use them, and the browser ends up holding exactly what Reflex's own memory
manager (which builds every substate up front) makes it hold.

Each scenario runs the same events through Reflex's real event processor twice, once per
manager, applies the deltas each sends to the initial state the compiled page holds, and
compares the two pages' state; it also counts the substates each manager created.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from reflex.compiler.utils import compile_state
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import OnLoadInternalState, State, state_snapshot_hashes
from reflex_base.constants import CompileVars
from reflex_base.event import Event
from reflex_base.event.processor.base_state_processor import BaseStateEventProcessor

import routes
from state.analytics import VisitorState
from state.cart import CartState
from state.language import LanguageState
from state.session import SessionState
from storefront import lazy_state
from storefront.lazy_state import LazyStateManagerMemory, LazySubstates, created_states
from storefront.storefront import app

HYDRATE_AND_LOAD = f"{State.get_full_name()}.{CompileVars.HYDRATE_AND_LOAD}"
HYDRATE = f"{State.get_full_name()}.{CompileVars.HYDRATE}"


@pytest.fixture(scope="module")
def initial_state() -> dict[str, dict[str, Any]]:
    """What the compiled page holds before its first hydrate."""
    return compile_state(State)


def event(name: str, path: str = "/", token: str = "", **payload: Any) -> Event:
    return Event(
        name=name,
        payload=payload,
        router_data={
            "pathname": path,
            "asPath": path,
            "query": {},
            "token": token,
            "sid": "sid-" + token,
            "headers": {"user-agent": "pytest", "accept-language": "en"},
            "ip": "127.0.0.1",
        },
    )


def handler(state_cls: type, name: str) -> str:
    return f"{state_cls.get_full_name()}.{name}"


async def run(manager: StateManagerMemory, token: str, events: Iterable[Event], *, connect: bool = False) -> list[dict]:
    processor = BaseStateEventProcessor(middleware=app, backend_exception_handler=app.backend_exception_handler)
    processor.configure(state_manager=manager)
    deltas: list[dict] = []
    async with processor:
        if connect:
            # What Reflex's websocket connect does when the connect packet carries no event.
            async with manager.modify_state(BaseStateToken(ident=token, cls=State)) as root:
                root.router_data["sid"] = "sid-" + token
                root.router_data["token"] = token
        for ev in events:
            async for delta in processor.enqueue_stream_delta(token, ev):
                deltas.append(copy.deepcopy(dict(delta)))
    return deltas


# A first visit gets a random visitor id (VisitorState): compared as "set or not".
KNOWN_VISITOR = "0123456789abcdef0123456789abcdef"
RANDOM_VARS = {(VisitorState.get_full_name(), "visitor_id_rx_state_")}


def page_after(initial: dict[str, dict[str, Any]], deltas: list[dict]) -> dict[str, dict[str, Any]]:
    page = copy.deepcopy(initial)
    for delta in deltas:
        for state_name, values in delta.items():
            page.setdefault(state_name, {}).update(values)
    for state_name, name in RANDOM_VARS:
        if page[state_name][name] and page[state_name][name] != KNOWN_VISITOR:
            page[state_name][name] = "<random>"
    return page


def both(
    events_for: Any, initial: dict, *, connect: bool = False
) -> tuple[dict, dict, StateManagerMemory, StateManagerMemory, str]:
    """The page after the events under Reflex's manager and under the lazy one."""
    token = str(uuid.uuid4())
    full, lazy = StateManagerMemory(), LazyStateManagerMemory()
    full_page = page_after(initial, asyncio.run(run(full, token, events_for(token), connect=connect)))
    lazy_page = page_after(initial, asyncio.run(run(lazy, token, events_for(token), connect=connect)))
    return full_page, lazy_page, full, lazy, token


def tree(manager: StateManagerMemory, token: str):
    return manager.states[BaseStateToken(ident=token, cls=State).cache_key]


def n_states(manager: StateManagerMemory, token: str) -> int:
    return sum(1 for _ in created_states(tree(manager, token)))


def test_the_manager_is_installed_without_redis():
    # rxconfig picks Reflex's memory manager without REDIS_URL; the app swaps in the lazy one.
    assert type(app.state_manager) is LazyStateManagerMemory
    assert app.state_manager.token_expiration == StateManagerMemory().token_expiration


def test_a_first_load_creates_only_what_the_page_uses_and_sends_the_same(initial_state):
    hashes = state_snapshot_hashes(initial_state)
    full_page, lazy_page, full, lazy, token = both(
        lambda token: [event(HYDRATE_AND_LOAD, "/", token, hashes=hashes)], initial_state
    )
    assert lazy_page == full_page
    assert full_page[State.get_full_name()]["is_hydrated" + "_rx_state_"] is True
    everything = n_states(full, token)
    assert everything == len(initial_state)
    assert n_states(lazy, token) < everything / 2


def test_a_reconnect_without_hashes_on_a_fresh_tree_sends_every_state(initial_state):
    # The page may hold another tree's values: Reflex's manager resends all of its states.
    stale = copy.deepcopy(initial_state)
    stale[CartState.get_full_name()]["count_rx_state_"] = 7
    token = str(uuid.uuid4())
    full, lazy = StateManagerMemory(), LazyStateManagerMemory()
    full_page = page_after(stale, asyncio.run(run(full, token, [event(HYDRATE_AND_LOAD, "/", token)])))
    lazy_page = page_after(stale, asyncio.run(run(lazy, token, [event(HYDRATE_AND_LOAD, "/", token)])))
    assert full_page[CartState.get_full_name()]["count_rx_state_"] == 0
    assert lazy_page == full_page
    assert n_states(lazy, token) == len(initial_state)


@pytest.mark.parametrize("connect", [False, True], ids=["event-in-connect", "connect-then-event"])
def test_an_old_clients_hydrate_gets_every_state(initial_state, connect):
    full_page, lazy_page, full, lazy, token = both(
        lambda token: [event(HYDRATE, "/", token)], initial_state, connect=connect
    )
    assert lazy_page == full_page
    assert n_states(lazy, token) == n_states(full, token)


def test_a_reconnect_to_a_tree_that_hydrated_the_tab_stays_lazy(initial_state):
    # The page holds what this tree sent it, so a hash-less hydrate needs no other state.
    hashes = state_snapshot_hashes(initial_state)
    full_page, lazy_page, full, lazy, token = both(
        lambda token: [
            event(HYDRATE_AND_LOAD, "/", token, hashes=hashes),
            event(handler(CartState, "load"), routes.CART, token),
            event(HYDRATE_AND_LOAD, routes.CART, token),
        ],
        initial_state,
    )
    assert lazy_page == full_page
    assert n_states(lazy, token) < n_states(full, token) / 2


def test_a_state_whose_compiled_defaults_differ_is_sent_in_full(initial_state):
    # The page was compiled with other defaults for a state the home page never uses
    # (its hash differs): Reflex's manager sends that state in full, so must the lazy one.
    hashes = state_snapshot_hashes(initial_state)
    _, _, _, lazy, token = both(lambda token: [event(HYDRATE_AND_LOAD, "/", token, hashes=hashes)], initial_state)
    unused = sorted(set(initial_state) - {state.get_full_name() for state in created_states(tree(lazy, token))})
    target = next(name for name in unused if any(not key.startswith("rx_") for key in initial_state[name]))
    var = next(key for key in sorted(initial_state[target]) if not key.startswith("rx_"))
    compiled = copy.deepcopy(initial_state)
    compiled[target][var] = "compiled with another default"
    hashes[sorted(initial_state).index(target) + 1] = state_snapshot_hashes(compiled)[
        sorted(compiled).index(target) + 1
    ]
    token = str(uuid.uuid4())
    full, lazy = StateManagerMemory(), LazyStateManagerMemory()
    first_load = [event(HYDRATE_AND_LOAD, "/", token, hashes=hashes)]
    full_page = page_after(compiled, asyncio.run(run(full, token, first_load)))
    lazy_page = page_after(compiled, asyncio.run(run(lazy, token, first_load)))
    assert full_page[target][var] == initial_state[target][var]
    assert lazy_page == full_page
    assert target in {state.get_full_name() for state in created_states(tree(lazy, token))}


def test_another_set_of_states_gets_every_state(initial_state):
    hashes = state_snapshot_hashes(initial_state)
    hashes[0] = "f" * 16
    full_page, lazy_page, full, lazy, token = both(
        lambda token: [event(HYDRATE_AND_LOAD, "/", token, hashes=hashes)], initial_state
    )
    assert lazy_page == full_page
    assert n_states(lazy, token) == n_states(full, token)


def test_browser_storage_is_applied_on_hydrate(initial_state):
    hashes = state_snapshot_hashes(initial_state)
    language = f"{LanguageState.get_full_name()}.cookie_rx_state_"
    visitor = f"{VisitorState.get_full_name()}.visitor_id_rx_state_"
    full_page, lazy_page, _, lazy, token = both(
        lambda token: [
            event(HYDRATE_AND_LOAD, "/", token, hashes=hashes, vars={language: "de", visitor: KNOWN_VISITOR}),
        ],
        initial_state,
    )
    assert lazy_page == full_page
    assert full_page[LanguageState.get_full_name()]["cookie_rx_state_"] == "de"
    assert full_page[VisitorState.get_full_name()]["visitor_id_rx_state_"] == KNOWN_VISITOR
    created = dict(tree(lazy, token).substates)
    assert LanguageState.get_name() in created
    assert VisitorState.get_name() in created


def test_navigation_and_events_after_a_first_load_match(initial_state):
    hashes = state_snapshot_hashes(initial_state)

    def events(token: str) -> list[Event]:
        return [
            event(HYDRATE_AND_LOAD, "/", token, hashes=hashes),
            # A client-side navigation: the new page's on-load chain.
            event(
                handler(OnLoadInternalState, "on_load_internal"),
                routes.SEARCH,
                token,
            ),
            event(handler(SessionState, "open_sign_in_page"), routes.LOGIN, token),
        ]

    full_page, lazy_page, _, _, _ = both(events, initial_state)
    assert lazy_page == full_page


def test_a_computed_var_on_a_state_not_created_yet_follows_the_router(initial_state):
    # SessionState.sign_in_here reads the page's address: moving pages must create the
    # state (its computed var depends on the root's router vars) and send the new value.
    hashes = state_snapshot_hashes(initial_state)
    full_page, lazy_page, _, _, _ = both(
        lambda token: [event(HYDRATE_AND_LOAD, "/search", token, hashes=hashes)], initial_state
    )
    assert lazy_page == full_page
    assert lazy_page[SessionState.get_full_name()]["sign_in_here_rx_state_"] == routes.login_url("/search")


def test_substates_are_created_on_lookup_and_iteration_survives_creation():
    root = lazy_state.lazy_state(State)
    assert isinstance(root.substates, LazySubstates)
    assert dict(root.substates) == {}
    name = CartState.get_name()
    assert name in root.substates
    assert "no_such_state" not in root.substates
    cart = root.get_substate(CartState._get_substate_path())
    assert isinstance(cart, CartState)
    assert cart.parent_state is root
    assert dict(root.substates) == {name: cart}
    for _ in root.substates.values():  # a copy: creating a state while looping is fine
        root.substates[SessionState.get_name()]
    assert len(dict(root.substates)) == 2
    with pytest.raises(KeyError):
        root.substates["no_such_state"]


def test_a_background_task_reaching_other_states_matches(initial_state):
    # The checkout runs off the state lock and re-enters it with `async with self`, reading
    # the session through get_state; an empty cart cannot be checked out.
    hashes = state_snapshot_hashes(initial_state)

    def events(token: str) -> list[Event]:
        return [
            event(HYDRATE_AND_LOAD, routes.CART, token, hashes=hashes),
            event(handler(CartState, "start_checkout"), routes.CART, token, form_data={"email": "a@example.com"}),
        ]

    full_page, lazy_page, _, _, _ = both(events, initial_state)
    assert lazy_page == full_page
    cart = lazy_page[CartState.get_full_name()]
    assert cart["checkout_pending_rx_state_"] is False
    assert cart["checkout_errors_rx_state_"] == {"form": "Your cart is empty."}


def test_a_tab_whose_state_expired_gets_every_state_again(initial_state):
    # The page still shows the cart it loaded; the server dropped the idle tree, so the
    # reconnect's snapshot resets the page to a new tree's values, as Reflex's manager does.
    hashes = state_snapshot_hashes(initial_state)
    token = str(uuid.uuid4())
    first = [event(HYDRATE_AND_LOAD, "/", token, hashes=hashes), event(handler(CartState, "load"), routes.CART, token)]
    pages, managers = [], [StateManagerMemory(), LazyStateManagerMemory()]
    for manager in managers:
        before = page_after(initial_state, asyncio.run(run(manager, token, first)))
        before[CartState.get_full_name()]["error_rx_state_"] = "shown before the state expired"
        manager._purge_token(BaseStateToken(ident=token, cls=State))
        pages.append(
            page_after(before, asyncio.run(run(manager, token, [event(HYDRATE_AND_LOAD, routes.CART, token)])))
        )
    full_page, lazy_page = pages
    assert full_page[CartState.get_full_name()]["error_rx_state_"] == ""
    assert lazy_page == full_page
    assert n_states(managers[1], token) == len(initial_state)
