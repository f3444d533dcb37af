"""The cluster survives its parts failing, as a buyer sees it through the balancer.

In order, on one buyer's tab: a replica is SIGKILLed mid-session (the tab reconnects to the
other one, still signed in with its cart, and pays); a worker is SIGKILLed in the middle
of a delivery job (another worker runs it again and the buyer gets one key); the cluster's
Redis is restarted (the same tab carries on, and a new purchase is delivered). And its
pages are built apart from those `make run` serves.
"""

from __future__ import annotations

import json
import re
import signal
import time
import uuid

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from reflex.istate.manager.redis import NOTIFY_KEYSPACE_EVENTS
from sqlalchemy import text

from commerce.demo import BUYER_EMAIL, DEMO_PASSWORD
from tests.cluster.conftest import ROOT
from tests.fixtures.browser import add_to_cart, check_out, pay, sign_in, wait_until_paid

INKWELL_EBOOK = "/p/inkwell-press/the-indie-maker-ebook"
COMPILER_EDITOR = "/p/compiler-works/markdown-editor-pro"
ENIGMA_SAMPLES = "/p/enigma-studio/lo-fi-drum-samples"

# A generated-key product of a demo seller, published and approved through the services,
# in the cluster's own database and S3 (a seller would do it in the studio).
CREATE_KEY_PRODUCT = """
import io
from PIL import Image
from sqlmodel import select
from commerce import wiring
from commerce.actor import Actor
from commerce.catalog import images, keys, products
from commerce.db import unit_of_work
from commerce.demo import ADMIN_EMAIL
from commerce.models import DeliveryKind, KeySource, Shop, User, UserRole

wiring.configure()
cover = io.BytesIO()
Image.new("RGB", (800, 600), "#0f766e").save(cover, "PNG")
cover.seek(0)
with unit_of_work() as s:
    owner = s.exec(select(User).where(User.email == "ada@demo.market")).one()
    shop = s.exec(select(Shop).where(Shop.owner_id == owner.id)).one()
    seller = Actor(user_id=owner.id, role=owner.role, shop_id=shop.id)
    view = products.create_product(s, seller, title="Cluster Tool %s", price="5.00", delivery_kind=DeliveryKind.KEYS)
    keys.set_license_policy(s, seller, view.id, source=KeySource.GENERATED, prefix="CLU", activation_limit=2)
    images.set_cover(s, seller, view.id, cover)
    products.publish_product(s, seller, view.id)
    admin = s.exec(select(User).where(User.email == ADMIN_EMAIL)).one()
    products.approve_product(s, Actor(user_id=admin.id, role=UserRole.ADMIN), view.id)
    print(f"/p/{shop.slug}/{view.slug}")
"""


def socket_replicas(page) -> list[str]:
    """The replica (nginx's X-Served-By) of every websocket this tab opens from now on."""
    served: list[str] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def on_handshake(event) -> None:
        headers = {name.lower(): value for name, value in event["response"]["headers"].items()}
        served.append(headers.get("x-served-by", ""))

    cdp.on("Network.webSocketHandshakeResponseReceived", on_handshake)
    return served


def wait_for(condition, timeout: float, what: str, page) -> None:
    """Wait while the tab runs: sync Playwright delivers its events (the handshakes above)
    only while the test is inside one of its calls."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {timeout} s")
        page.wait_for_timeout(200)


def mark_document(page) -> None:
    page.evaluate("window.__sameDocument = true")


def same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def open_orders_from_the_menu(page) -> None:
    # While a page starts the menu can be re-rendered shut under the pointer: retry (as sign_out does).
    for _ in range(5):
        page.locator("#account-menu").click()
        try:
            expect(page.locator("#menu-orders")).to_be_visible(timeout=4_000)
            page.locator("#menu-orders").click(timeout=4_000)
            return
        except (AssertionError, PlaywrightTimeoutError):
            page.keyboard.press("Escape")
    raise AssertionError("the account menu did not open")


def order_state(cluster, reference: str) -> dict:
    """What the database holds for one order: status, lines delivered, keys issued."""
    with cluster.engine.connect() as connection:
        row = connection.execute(
            text(
                "select o.status, count(distinct f.id) as fulfilments, count(distinct d.fulfilment_id) as delivered,"
                " count(distinct k.id) as keys from orders o"
                " join fulfilments f on f.order_id = o.id"
                " left join fulfilment_deliveries d on d.fulfilment_id = f.id"
                " left join license_keys k on k.fulfilment_id = f.id"
                " where o.reference = :reference group by o.status"
            ),
            {"reference": reference},
        ).first()
    # No fulfilment yet (its job has not run): nothing delivered so far.
    return dict(row._mapping) if row is not None else {"status": None, "fulfilments": 0, "delivered": 0, "keys": 0}


def paid_orders_without_delivery(cluster) -> list[str]:
    with cluster.engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "select o.reference from orders o join fulfilments f on f.order_id = o.id"
                    " left join fulfilment_deliveries d on d.fulfilment_id = f.id"
                    " where o.status = 'paid' and d.fulfilment_id is null"
                )
            ).scalars()
        )


def failed_jobs(cluster) -> list[str]:
    with cluster.engine.connect() as connection:
        return list(connection.execute(text("select job_name from failed_jobs")).scalars())


def test_a_replica_killed_mid_session_loses_neither_the_sign_in_nor_the_cart_nor_the_order(cluster, buyer_page):
    page = buyer_page
    replicas = socket_replicas(page)
    sign_in(page, BUYER_EMAIL, DEMO_PASSWORD)
    add_to_cart(page, INKWELL_EBOOK)
    expect(page.locator("#cart-count")).to_have_text("1")

    before = len(replicas)
    page.goto(COMPILER_EDITOR)
    expect(page.locator("#account-menu")).to_be_visible()
    wait_for(lambda: len(replicas) > before, 20, "this page's websocket", page)
    serving, handshakes = replicas[-1], len(replicas)
    assert serving in ("replica-1", "replica-2"), replicas
    mark_document(page)

    cluster.kill(serving)  # SIGKILL, the whole process group: no goodbye to anyone
    wait_for(lambda: not cluster.alive(serving), 20, f"{serving} to die", page)

    # The tab notices the dropped socket and reconnects through nginx, to the survivor.
    wait_for(lambda: len(replicas) > handshakes, 60, "the tab to reconnect", page)
    assert replicas[-1] in {"replica-1", "replica-2"} - {serving}, replicas
    assert same_document(page), "the tab reconnected without reloading"
    expect(page.locator("#account-menu")).to_be_visible()
    expect(page.locator("#cart-count")).to_have_text("1")

    # The same tab, now on the other replica, still acts as the signed-in buyer.
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#added-to-cart")).to_be_visible()
    expect(page.locator("#cart-count")).to_have_text("2")
    assert same_document(page)

    check_out(page)
    pay(page)
    reference = wait_until_paid(page)
    expect(page.locator("[data-testid=order-line]")).to_have_count(2)

    wait_for(lambda: order_state(cluster, reference)["delivered"] == 2, 60, "both products to be delivered", page)
    assert order_state(cluster, reference)["status"] == "paid"
    assert paid_orders_without_delivery(cluster) == []
    assert failed_jobs(cluster) == []


def test_a_worker_killed_in_the_middle_of_a_delivery_hands_it_over_and_the_buyer_gets_one_key(cluster, buyer_page):
    page = buyer_page
    product_path = cluster.in_cluster(CREATE_KEY_PRODUCT % uuid.uuid4().hex[:6]).strip()
    with cluster.engine.connect() as connection:
        buyer_id = connection.execute(text("select id from users where email = :e"), {"e": BUYER_EMAIL}).scalar_one()

    # Hold the buyer's library counter, which the delivery job updates after issuing the key
    # in its transaction: the job stops there, half-way, until this lock goes.
    lock = cluster.engine.connect()
    try:
        held = lock.execute(
            text("select version from library_states where user_id = :u for update"), {"u": buyer_id}
        ).first()
        assert held is not None, "the first test's delivery made the buyer's library counter"

        add_to_cart(page, product_path)
        check_out(page)
        pay(page)
        reference = wait_until_paid(page)

        def worker_in_the_job() -> str | None:
            with cluster.engine.connect() as connection:
                return connection.execute(
                    text(
                        "select application_name from pg_stat_activity where datname = current_database()"
                        " and wait_event_type = 'Lock' and application_name like 'cluster-worker-%'"
                    )
                ).scalar()

        wait_for(lambda: worker_in_the_job() is not None, 60, "a worker to reach the middle of the delivery", page)
        busy = worker_in_the_job().removeprefix("cluster-")
        assert order_state(cluster, reference)["keys"] == 0, "the half-done job has committed nothing"
        cluster.kill(busy, signal.SIGKILL)
        wait_for(lambda: not cluster.alive(busy), 20, f"{busy} to die", page)
    finally:
        lock.rollback()
        lock.close()

    # The other worker takes the job over once the dead one misses its heartbeats (5 s here).
    wait_for(lambda: order_state(cluster, reference)["delivered"] == 1, 90, "another worker to deliver", page)
    # The buyer sees one key on the order page (opened again: the live update of a page
    # whose delivery moved between workers is not what this test is about).
    page.reload()
    expect(page.locator("[data-testid=order-key]")).to_have_count(1)
    expect(page.locator("[data-testid=order-key-text]")).to_have_text(re.compile(r"^CLU-"))
    state = order_state(cluster, reference)
    assert (state["status"], state["delivered"], state["keys"]) == ("paid", 1, 1)
    assert failed_jobs(cluster) == []


def test_sessions_carry_on_after_the_cluster_redis_restarts(cluster, buyer_page):
    page = buyer_page
    page.goto("/cart")
    expect(page.locator("#account-menu")).to_be_visible()
    mark_document(page)

    cluster.restart_redis()
    # Reflex turned its lock notifications on once, in the Redis that stopped: the new one has
    # them from its command line, or contended events would wait out the lock's expiry.
    assert set(cluster.redis_setting("notify-keyspace-events")) == set(NOTIFY_KEYSPACE_EVENTS)

    # The open tab carries on (Redis wrote its state to the append-only file): the menu's
    # "Your orders" is an event the backend answers, and the orders page loads the buyer's.
    open_orders_from_the_menu(page)
    expect(page).to_have_url(re.compile(r"/orders$"))
    expect(page.locator("[data-testid=order-row]")).to_have_count(2)
    assert same_document(page), "the tab carried on without reloading"

    # Jobs flow again: a new purchase is paid and delivered by the surviving worker.
    add_to_cart(page, ENIGMA_SAMPLES)
    check_out(page)
    pay(page)
    reference = wait_until_paid(page)
    wait_for(lambda: order_state(cluster, reference)["delivered"] == 1, 60, "the delivery after the restart", page)
    assert paid_orders_without_delivery(cluster) == []
    assert failed_jobs(cluster) == []


def test_the_cluster_builds_its_pages_apart_from_those_make_run_serves(cluster):
    """A build names its server's port. `make run` serves the build in `.web`: a cluster
    started beside it must build in its own folder, or that app's pages would open their
    socket on the cluster's balancer."""
    port = cluster.url.rpartition(":")[2]
    own_build = json.loads((ROOT / ".web-cluster" / "env.json").read_text())
    assert own_build["EVENT"] == f"ws://localhost:{port}/_event"
    make_run_build = ROOT / ".web" / "env.json"
    assert not make_run_build.exists() or f":{port}/" not in make_run_build.read_text()
