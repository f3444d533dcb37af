"""The order page's live watcher never writes what it read before the page was loaded again.

In a cluster a reload can reach another replica while the first load's watcher is still
running on the old one, and the page shows what the last write put there. The events run
through Reflex's real event processor; the order and its delivery are stand-ins, so the
test decides what every read returns and when.
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
import state.orders as orders
from commerce.actor import Actor
from commerce.models import OrderStatus
from state.orders import DeliveryItemRow, DeliveryKeyRow, OrderPage, OrderState
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


def load_event(token: str) -> Event:
    return Event(
        name=f"{OrderState.get_full_name()}.load",
        payload={},
        router_data={
            "pathname": routes.ORDER,
            "asPath": PATH,
            "query": {"order_reference": REFERENCE},
            "token": token,
            "sid": "sid-" + token,
            "headers": {"user-agent": "pytest", "accept-language": "en"},
            "ip": "127.0.0.1",
        },
    )


def test_a_reload_while_the_old_watcher_holds_a_stale_read_keeps_the_delivered_key(stand_ins):
    async def scenario() -> OrderState:
        manager, token = StateManagerMemory(), str(uuid.uuid4())
        processor = BaseStateEventProcessor(middleware=app, backend_exception_handler=app.backend_exception_handler)
        processor.configure(state_manager=manager)

        async def send(ev: Event) -> None:
            async for _ in processor.enqueue_stream_delta(token, ev):
                pass

        async with processor:
            # The first load finds the key still being issued, so its watcher starts and reads.
            first = asyncio.create_task(send(load_event(token)))
            await asyncio.wait_for(stand_ins.watcher_reading.wait(), 10)
            # The key is issued and the page is loaded again, its socket now on another
            # replica; only then does the old watcher get its read back.
            stand_ins.delivered = True
            await asyncio.wait_for(send(load_event(token)), 10)
            stand_ins.connected_here = False
            stand_ins.release.set()
            await asyncio.wait_for(first, 10)
            root = manager.states[BaseStateToken(ident=token, cls=State).cache_key]
            return await root.get_state(OrderState)

    page = asyncio.run(scenario())
    assert [row.license_keys for row in page.delivery] == [[KEY]]
    assert page.delivering is False
    assert page.watching is False
