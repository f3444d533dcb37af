"""The live pages' watchers after a reload that reached another replica.

In a cluster, a reload can land on another replica while the first load's watcher still
runs on the old one, whose process no longer has the tab's socket. The order page must
not show what that watcher read before the reload; the library and the navbar's unread
badge must go on updating. The events run through Reflex's real event processor; what the
services answer are stand-ins, so each test decides what every read returns and when.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from types import SimpleNamespace

import pytest
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State
from reflex_base.event import Event
from reflex_base.event.processor.base_state_processor import BaseStateEventProcessor

import routes
import state.library as library_page
import state.notifications as notifications_page
import state.orders as orders
from commerce.actor import Actor
from commerce.delivery import library
from commerce.kit.pagination import Page
from commerce.models import OrderStatus
from commerce.notifications import inapp
from state.cart import CartState
from state.library import LibraryState
from state.notifications import NotificationsState
from state.orders import DeliveryItemRow, DeliveryKeyRow, OrderPage, OrderState
from state.service_call import Result
from state.session import SessionState
from state.shell import ShellState
from storefront.storefront import app

REFERENCE = "ORD-WATCHED"
PATH = routes.ORDER.replace("[order_reference]", REFERENCE)
KEY = DeliveryKeyRow(id=1, key="CLU-0001", status_label="Active")


def delivery(*, delivered: bool) -> SimpleNamespace:
    row = DeliveryItemRow(
        product_id=1,
        title="Cluster Tool",
        library_url="/library/1",
        version_label="",
        delivering=not delivered,
        license_keys=[KEY] if delivered else [],
    )
    return SimpleNamespace(delivering=not delivered, row=row)


class StandIns:
    """The paid order, and its delivery as far as the test has let it go."""

    def __init__(self) -> None:
        self.delivered = False
        # The watcher's first read is held until `release`, and then answers what was true
        # when it was made: the key still being issued.
        self.watcher_reading = asyncio.Event()
        self.release = asyncio.Event()
        # Whether the tab's socket is on this process (after a reload it may be on another).
        self.connected_here = True

    async def fetch_delivery(self, actor, reference, token) -> SimpleNamespace:
        if sys._getframe(1).f_code.co_name == "watch" and not self.release.is_set():
            self.watcher_reading.set()
            await self.release.wait()
            return delivery(delivered=False)
        return delivery(delivered=self.delivered)


@pytest.fixture
def stand_ins(monkeypatch) -> StandIns:
    found = StandIns()

    async def fetch(actor, reference, token):
        return SimpleNamespace(status=OrderStatus.PAID, lines=[])

    async def anonymous(state):
        return Actor.anonymous()

    async def no_token(state, reference):
        return ""

    async def nothing(state, product_ids):
        return None

    monkeypatch.setattr(orders, "_fetch", fetch)
    monkeypatch.setattr(orders, "_fetch_delivery", found.fetch_delivery)
    monkeypatch.setattr(orders, "order_page", lambda view: OrderPage(reference=REFERENCE, status="paid", is_paid=True))
    monkeypatch.setattr(orders, "delivery_rows", lambda delivery: [delivery.row])
    monkeypatch.setattr(orders, "current_actor", anonymous)
    monkeypatch.setattr(orders, "receipt_token_for", no_token)
    monkeypatch.setattr(orders, "after_payment", nothing)
    monkeypatch.setattr(orders, "client_connected", lambda state: found.connected_here)
    monkeypatch.setattr(orders, "POLL_SECONDS", 0.01)
    return found


class Tab:
    """One browser tab: its events go through Reflex's event processor to a memory state
    manager. `load` sends a page's load event and yields until the whole chain it starts
    (its watcher included) has ended."""

    def __init__(self) -> None:
        self.manager = StateManagerMemory()
        self.token = str(uuid.uuid4())
        self.processor = BaseStateEventProcessor(
            middleware=app, backend_exception_handler=app.backend_exception_handler
        )
        self.processor.configure(state_manager=self.manager)

    async def __aenter__(self) -> Tab:
        await self.processor.__aenter__()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.processor.__aexit__(*exc)

    async def load(self, state: type, pathname: str, path: str, query: dict[str, str], handler: str = "load") -> None:
        event = Event(
            name=f"{state.get_full_name()}.{handler}",
            payload={},
            router_data={
                "pathname": pathname,
                "asPath": path,
                "query": query,
                "token": self.token,
                "sid": "sid-" + self.token,
                "headers": {"user-agent": "pytest", "accept-language": "en"},
                "ip": "127.0.0.1",
            },
        )
        async for _ in self.processor.enqueue_stream_delta(self.token, event):
            pass

    async def state(self, state: type):
        return await self.manager.states[BaseStateToken(ident=self.token, cls=State).cache_key].get_state(state)


async def wait_until(condition, what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"gave up waiting for {what}")


def test_a_reload_while_the_old_watcher_holds_a_stale_read_keeps_the_delivered_key(stand_ins):
    async def scenario() -> OrderState:
        async with Tab() as tab:

            def load():
                return tab.load(OrderState, routes.ORDER, PATH, {"order_reference": REFERENCE})

            # The first load finds the key still being issued, so its watcher starts and reads.
            first = asyncio.create_task(load())
            await asyncio.wait_for(stand_ins.watcher_reading.wait(), 10)
            # The key is issued and the page is loaded again, its socket now on another
            # replica; only then does the old watcher get its read back.
            stand_ins.delivered = True
            await asyncio.wait_for(load(), 10)
            stand_ins.connected_here = False
            stand_ins.release.set()
            await asyncio.wait_for(first, 10)
            return await tab.state(OrderState)

    page = asyncio.run(scenario())
    assert [row.license_keys for row in page.delivery] == [[KEY]]
    assert page.delivering is False
    assert page.watching is False


class TwoReplicas:
    """Where the tab's socket is, as the watchers see it. Once `moving`, the socket moves to
    another replica as the next page load reads its data, while the watcher then running
    (`old_watcher`) sleeps between two rounds: it cannot look at the state while that load's
    event holds it, and from then on its replica has no socket for the tab."""

    def __init__(self) -> None:
        self.moving = False
        self.reloaded = False
        self.old_watcher: asyncio.Task | None = None
        self.polls_before_reload = 0
        self.polls_after_reload = 0  # by any other watcher

    def page_loaded(self) -> None:
        self.reloaded = self.moving

    def polled(self) -> None:
        if not self.reloaded:
            self.old_watcher = asyncio.current_task()
            self.polls_before_reload += 1
        elif asyncio.current_task() is not self.old_watcher:
            self.polls_after_reload += 1

    def connected(self, state) -> bool:
        return not (self.reloaded and asyncio.current_task() is self.old_watcher)


async def reload_on_another_replica(tab: Tab, load, replicas: TwoReplicas, *, change, state: type, shown, what: str):
    """Load the page and let its watcher poll; load it again as its socket moves to another
    replica; then `change` what the services answer, and return the page's `state` once it
    has `shown` the change."""
    chains = [asyncio.create_task(load())]
    try:
        await wait_until(lambda: replicas.polls_before_reload >= 2, "the first load's watcher to poll")
        replicas.moving = True
        chains.append(asyncio.create_task(load()))
        await wait_until(lambda: replicas.polls_after_reload >= 1, "a watcher to poll after the reload")
        change()
        page = await tab.state(state)
        await wait_until(lambda: shown(page), what)
        return page
    finally:
        for chain in chains:
            chain.cancel()


class Library(TwoReplicas):
    """The buyer's library as the services answer: its change counter, and a listing whose
    total says which version it was read at."""

    def __init__(self) -> None:
        super().__init__()
        self.version = 1

    async def call(self, fn, *args, **kwargs) -> Result:
        if fn is library.current_library_version:
            self.polled()
            return Result(value=self.version)
        assert fn is library.library
        self.page_loaded()
        page = Page(items=[], page=1, per_page=20, total=self.version, page_count=1, has_previous=False, has_next=False)
        return Result(value=SimpleNamespace(items=[], total=self.version, version=self.version, page=page))


def test_after_a_reload_reached_another_replica_the_library_still_shows_a_new_purchase(monkeypatch):
    shelf = Library()

    async def buyer(state):
        return Actor(user_id=7, role="buyer")

    monkeypatch.setattr(library_page.service_call, "call", shelf.call)
    monkeypatch.setattr(library_page, "current_actor", buyer)
    monkeypatch.setattr("state.page.current_actor", buyer)
    monkeypatch.setattr(library_page, "client_connected", shelf.connected)
    monkeypatch.setattr(library_page, "POLL_SECONDS", 0.01)

    async def scenario() -> int:
        def purchase() -> None:
            shelf.version = 2

        async with Tab() as tab:
            page = await reload_on_another_replica(
                tab,
                lambda: tab.load(LibraryState, routes.LIBRARY, routes.LIBRARY, {}),
                shelf,
                change=purchase,
                state=LibraryState,
                shown=lambda page: page.total == 2,
                what="the library to show the purchase",
            )
            return page.total

    assert asyncio.run(scenario()) == 2


class Inbox(TwoReplicas):
    """The buyer's notifications as the services answer: the unread count."""

    def __init__(self) -> None:
        super().__init__()
        self.unread = 0

    async def call(self, fn, *args, **kwargs) -> Result:
        if fn is not inapp.live_status:
            return Result(value=None)  # the rest of a page's chrome, which this test leaves out
        caller = sys._getframe(1).f_code.co_name
        if caller == "_start":
            self.page_loaded()
        elif caller == "watch":
            self.polled()
        return Result(value=SimpleNamespace(unread=self.unread, latest_id=0, figures_stamp=""))


def test_after_a_reload_reached_another_replica_the_unread_badge_still_counts_a_new_notification(monkeypatch):
    inbox = Inbox()
    buyer = Actor(user_id=7, role="buyer")

    async def signed_in(session):
        session._user_id, session._role = buyer.user_id, buyer.role
        return buyer

    async def no_cart(cart, actor):
        return None

    monkeypatch.setattr(SessionState, "_resume", signed_in)
    monkeypatch.setattr(CartState, "_refresh_count", no_cart)
    monkeypatch.setattr(notifications_page.service_call, "call", inbox.call)
    monkeypatch.setattr(notifications_page, "client_connected", inbox.connected)
    monkeypatch.setattr(notifications_page, "POLL_SECONDS", 0.01)

    async def scenario() -> int:
        def sale_alert() -> None:
            inbox.unread = 1

        async with Tab() as tab:
            badge = await reload_on_another_replica(
                tab,
                # The chrome's part of every signed-in page's load.
                lambda: tab.load(ShellState, routes.ACCOUNT, routes.ACCOUNT, {}, handler="open_signed_in_page"),
                inbox,
                change=sale_alert,
                state=NotificationsState,
                shown=lambda badge: badge.unread == 1,
                what="the badge to count it",
            )
            return badge.unread

    assert asyncio.run(scenario()) == 1
