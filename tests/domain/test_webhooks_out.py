"""Outbound webhooks on both databases: what a seller's endpoint (a local HTTP receiver)
gets for each event, signed so a Standard Webhooks client verifies it; retries after a 500
and after a timeout with the same webhook id; an endpoint failing for days is disabled
and its seller emailed; secret rotation signs with both secrets during the overlap."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select
from standardwebhooks import WebhookVerificationError

from commerce.accounts.step_up import StepUpRequired
from commerce.catalog import files
from commerce.catalog.products import approve_product, publish_product
from commerce.errors import NotFound, ValidationError
from commerce.jobs import jobs_run_by
from commerce.jobs.eager import EagerBackend
from commerce.kit.outbound import Answer
from commerce.kit.time import utcnow
from commerce.licensing import api
from commerce.models import (
    AttemptOutcome,
    DeliveryKind,
    EndpointStatus,
    LicenseKey,
    MessageStatus,
    Product,
    User,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from commerce.reviews.service import submit_review
from commerce.webhooks_out import delivery, service, tasks
from tests.fixtures.adapters import emails_in
from tests.fixtures.catalog import make_admin, make_seller, publishable_product
from tests.fixtures.second_factor import seller_with_authenticator_app


def endpoint(s, seller, url, *types):
    created = service.create_endpoint(s, seller, url=url, event_types=list(types), description="My app")
    s.commit()
    return created


def messages(s, endpoint_id=None) -> list[WebhookMessage]:
    query = select(WebhookMessage).order_by(WebhookMessage.created_at)
    if endpoint_id is not None:
        query = query.where(WebhookMessage.endpoint_id == endpoint_id)
    return list(s.exec(query).all())


def attempts(s, message_id) -> list[WebhookAttempt]:
    return list(
        s.exec(select(WebhookAttempt).where(WebhookAttempt.message_id == message_id).order_by(WebhookAttempt.number))
    )


def make_due(s, message_id) -> None:
    """Time passes until the message's next attempt (the test does not wait a minute)."""
    message = s.get(WebhookMessage, message_id)
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    s.add(message)
    s.commit()
    tasks.send_due_webhooks()


def test_order_paid_reaches_each_seller_signed_with_only_its_own_lines(market, receiver):
    s = market.s
    first, second = market.shop(), market.shop()
    ours, theirs = market.product(first, 1900, title="Brush Pack"), market.product(second, 1000, title="Fonts")
    mine = endpoint(s, market.seller_actor(first), receiver.url + "/first", "order.paid")
    other = endpoint(s, market.seller_actor(second), receiver.url + "/second", "order.paid")

    order = market.buy(market.user(), ours, theirs)
    s.commit()

    by_path = {r.path: r for r in receiver.requests}
    assert set(by_path) == {"/hooks/first", "/hooks/second"}
    payload = by_path["/hooks/first"].verified(mine.secret)
    assert payload["type"] == "order.paid"
    assert payload["data"]["order"]["id"] == order.reference
    assert [line["title"] for line in payload["data"]["order"]["lines"]] == ["Brush Pack"]
    assert payload["data"]["order"]["total"]["currency"] == order.currency
    assert [line["title"] for line in by_path["/hooks/second"].verified(other.secret)["data"]["order"]["lines"]] == [
        "Fonts"
    ]
    # Another endpoint's secret does not verify it.
    with pytest.raises(WebhookVerificationError):
        by_path["/hooks/first"].verified(other.secret)
    sent = messages(s, mine.endpoint_id)
    assert [m.status for m in sent] == [MessageStatus.DELIVERED]
    assert by_path["/hooks/first"].id == sent[0].id
    [attempt] = attempts(s, sent[0].id)
    assert (attempt.outcome, attempt.status_code, attempt.number) == (AttemptOutcome.SUCCEEDED, 204, 1)
    assert attempt.latency_ms is not None


def test_an_endpoint_gets_only_the_events_it_chose(market, receiver):
    s = market.s
    shop = market.shop()
    product = market.product(shop, 500)
    endpoint(s, market.seller_actor(shop), receiver.url, "review.created")
    buyer = market.user()
    market.buy(buyer, product)
    s.commit()
    assert receiver.requests == []

    submit_review(s, market.buyer_actor(buyer), product.id, rating=5, body="Lovely brushes")
    s.commit()
    [received] = receiver.requests
    assert received.json["type"] == "review.created"
    assert received.json["data"]["review"]["rating"] == 5
    # An edit is not a new review.
    submit_review(s, market.buyer_actor(buyer), product.id, rating=4, body="Lovely brushes, one missing")
    s.commit()
    assert len(receiver.requests) == 1


def test_refund_and_dispute_events(market, receiver):
    s = market.s
    shop = market.shop()
    product = market.product(shop, 1500)
    hook = endpoint(s, market.seller_actor(shop), receiver.url, "order.refunded", "order.disputed")
    order = market.buy(market.user(), product)
    s.commit()
    from commerce.orders import refunds

    refunds.refund(s, market.seller_actor(shop), market.gateway, order.reference)
    s.commit()
    [received] = receiver.requests
    payload = received.verified(hook.secret)
    assert payload["type"] == "order.refunded"
    assert payload["data"]["refunds"][0]["amount"]["amount"] == order.total

    from commerce.orders.lifecycle import mark_disputed

    disputed = market.buy(market.user(), product)
    s.commit()
    mark_disputed(s, disputed)
    s.commit()
    assert [r.json["type"] for r in receiver.requests] == ["order.refunded", "order.disputed"]
    assert receiver.requests[1].verified(hook.secret)["data"]["order"]["id"] == disputed.reference


def test_product_published_and_version_released(s, store, receiver):
    seller, admin = make_seller(s), make_admin(s)
    hook = endpoint(s, seller, receiver.url, "product.published", "product.version_released")
    draft = publishable_product(s, seller, title="Brush Pack")
    s.commit()
    publish_product(s, seller, draft.id)
    s.commit()
    payload = receiver.requests[-1].verified(hook.secret)
    assert payload["type"] == "product.published"
    assert payload["data"]["product"]["id"] == draft.id
    assert payload["data"]["product"]["title"] == "Brush Pack"
    assert payload["data"]["product"]["status"] == "published"

    approve_product(s, admin, draft.id)
    files.create_version(s, seller, draft.id, label="2.0", release_notes="More brushes.")
    files.release_version(s, seller, draft.id)
    s.commit()
    payload = receiver.requests[-1].verified(hook.secret)
    assert payload["type"] == "product.version_released"
    assert (payload["data"]["version"]["number"], payload["data"]["version"]["label"]) == (2, "2.0")


def test_license_key_activation_and_deactivation(shop, receiver):
    s = shop.s
    hook = endpoint(s, shop.seller, receiver.url, "license_key.activated", "license_key.deactivated")
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product, activation_limit=2)
    _, buyer = shop.buyer()
    shop.buy(buyer, product)
    row = s.exec(select(LicenseKey).where(LicenseKey.product_id == product.id)).one()
    from commerce.licensing import service as licensing

    text = licensing.reveal_key(s, buyer, row.id)
    s.commit()

    def call(action, instance):
        answer = action(s, product_id=product.id, key=text, instance=instance, client_id="198.51.100.1")
        s.commit()
        return answer

    call(api.activate, "laptop")
    call(api.activate, "laptop")  # already active: no new event
    call(api.validate, "laptop")  # checks send nothing
    call(api.deactivate, "laptop")
    payloads = [r.verified(hook.secret) for r in receiver.requests]
    assert [p["type"] for p in payloads] == ["license_key.activated", "license_key.deactivated"]
    assert payloads[0]["data"]["instance"] == "laptop"
    assert payloads[0]["data"]["license_key"]["id"] == row.id
    assert payloads[0]["data"]["license_key"]["active_instances"] == 1
    assert payloads[1]["data"]["license_key"]["active_instances"] == 0


def test_a_500_is_retried_later_with_the_same_webhook_id(market, receiver):
    s = market.s
    shop = market.shop()
    hook = endpoint(s, market.seller_actor(shop), receiver.url, "order.paid")
    receiver.script(500)
    before = utcnow()
    market.buy(market.user(), market.product(shop, 700))
    s.commit()

    [message] = messages(s)
    [first] = attempts(s, message.id)
    assert (first.outcome, first.status_code) == (AttemptOutcome.FAILED, 500)
    assert "database is down" in first.response_excerpt
    assert message.status == MessageStatus.PENDING
    wait = message.next_attempt_at - before
    assert timedelta(seconds=50) <= wait <= timedelta(seconds=70)
    # Not due yet: the sweep sends nothing.
    tasks.send_due_webhooks()
    assert len(receiver.requests) == 1

    make_due(s, message.id)
    assert [r.id for r in receiver.requests] == [message.id, message.id]
    receiver.requests[1].verified(hook.secret)
    s.refresh(message)
    assert message.status == MessageStatus.DELIVERED
    assert [(a.number, a.outcome) for a in attempts(s, message.id)] == [
        (1, AttemptOutcome.FAILED),
        (2, AttemptOutcome.SUCCEEDED),
    ]
    page = service.list_messages(s, market.seller_actor(shop), hook.endpoint_id)
    [view] = page.items
    assert [a.status_label for a in view.attempts] == ["HTTP 204", "HTTP 500"]
    assert '"type": "order.paid"' in view.payload


def test_a_timeout_is_retried(market, receiver):
    s = market.s
    shop = market.shop()
    endpoint(s, market.seller_actor(shop), receiver.url, "order.paid")
    receiver.script(-3)  # answers after 3 s; the timeout is 1 s
    market.buy(market.user(), market.product(shop, 700))
    s.commit()
    [message] = messages(s)
    [first] = attempts(s, message.id)
    assert first.outcome == AttemptOutcome.FAILED
    assert first.status_code is None
    assert "timed out" in first.error
    make_due(s, message.id)
    s.refresh(message)
    assert message.status == MessageStatus.DELIVERED
    assert {r.id for r in receiver.requests} == {message.id}


def test_retries_span_about_three_days():
    total = sum(delivery.RETRY_DELAYS)
    assert timedelta(days=2.5) <= timedelta(seconds=total) <= timedelta(days=3.5)
    assert list(delivery.RETRY_DELAYS) == sorted(delivery.RETRY_DELAYS)
    assert len(delivery.RETRY_DELAYS) + 1 == delivery.MAX_ATTEMPTS


def test_an_endpoint_failing_every_attempt_is_disabled_and_its_seller_emailed(market, receiver, outbox):
    s = market.s
    shop = market.shop()
    hook = endpoint(s, market.seller_actor(shop), receiver.url, "order.paid")
    receiver.script(*([500] * delivery.MAX_ATTEMPTS))
    market.buy(market.user(), market.product(shop, 700))
    s.commit()
    [message] = messages(s)
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        make_due(s, message.id)
    s.refresh(message)
    assert message.status == MessageStatus.FAILED
    assert message.attempts == delivery.MAX_ATTEMPTS
    assert len(receiver.requests) == delivery.MAX_ATTEMPTS
    assert {r.id for r in receiver.requests} == {message.id}
    row = s.get(WebhookEndpoint, hook.endpoint_id)
    assert row.status == EndpointStatus.DISABLED
    owner_email = s.get(User, shop.owner_id).email
    [mail] = [m for m in emails_in(outbox) if "webhook" in m.subject.lower()]
    assert mail.to == owner_email
    assert receiver.url in mail.text

    # Nothing more is sent to it; once turned on again, the seller resends what it missed.
    market.buy(market.user(), market.product(shop, 800))
    s.commit()
    assert len(receiver.requests) == delivery.MAX_ATTEMPTS
    seller = market.seller_actor(shop)
    service.set_endpoint_enabled(s, seller, hook.endpoint_id, enabled=True)
    s.commit()
    view = service.resend_message(s, seller, message.id)
    s.commit()
    assert receiver.requests[-1].id == message.id
    s.refresh(message)
    assert message.status == MessageStatus.DELIVERED
    assert view.id == message.id
    assert attempts(s, message.id)[-1].number == delivery.MAX_ATTEMPTS + 1


def test_rotation_signs_with_both_secrets_during_the_overlap(market, receiver):
    s = market.s
    shop = market.shop()
    seller = market.seller_actor(shop)
    hook = endpoint(s, seller, receiver.url, "order.paid")
    rotated = service.rotate_secret(s, seller, hook.endpoint_id, overlap_hours=24)
    s.commit()
    assert rotated.secret != hook.secret
    assert rotated.previous_secret_until_label
    market.buy(market.user(), market.product(shop, 700))
    s.commit()
    received = receiver.requests[-1]
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    received.verified(hook.secret)  # receivers not yet switched keep working
    received.verified(rotated.secret)
    assert service.reveal_secret(s, seller, hook.endpoint_id).secret == rotated.secret

    # After the overlap only the new secret signs.
    row = s.get(WebhookEndpoint, hook.endpoint_id)
    row.previous_secret_expires_at = utcnow() - timedelta(minutes=1)
    s.add(row)
    s.commit()
    market.buy(market.user(), market.product(shop, 900))
    s.commit()
    latest = receiver.requests[-1]
    latest.verified(rotated.secret)
    with pytest.raises(WebhookVerificationError):
        latest.verified(hook.secret)


def test_an_attempt_lost_with_its_worker_is_sent_again_with_the_same_id(market, receiver):
    """The worker claimed the message and died before recording an answer: once the lease
    runs out, the sweep sends it again; the lost attempt shows as interrupted."""
    s = market.s
    shop = market.shop()
    endpoint(s, market.seller_actor(shop), receiver.url, "order.paid")

    class HoldingDeliveries(EagerBackend):
        """Runs every job but the delivery, which a worker takes and then dies with."""

        held: list = []

        def enqueue(self, job, kwargs):
            if job.name == tasks.deliver_webhook.name:
                self.held.append(kwargs)
            else:
                super().enqueue(job, kwargs)

    with jobs_run_by(HoldingDeliveries()) as backend:
        market.buy(market.user(), market.product(shop, 700))
        s.commit()
    [message] = messages(s)
    assert backend.held == [{"message_id": message.id}]
    delivery.claim_attempt(s, message.id, timeout=1)  # the worker took it, then died
    s.commit()
    tasks.send_due_webhooks()  # the lease still holds it: nothing is sent
    assert receiver.requests == []
    make_due(s, message.id)
    s.refresh(message)
    assert message.status == MessageStatus.DELIVERED
    assert [(a.number, a.outcome) for a in attempts(s, message.id)] == [
        (1, AttemptOutcome.INTERRUPTED),
        (2, AttemptOutcome.SUCCEEDED),
    ]


def test_sellers_see_and_change_only_their_own_endpoints(market, receiver):
    s = market.s
    mine, theirs = market.shop(), market.shop()
    hook = endpoint(s, market.seller_actor(mine), receiver.url, "order.paid")
    market.buy(market.user(), market.product(mine, 700))
    s.commit()
    [message] = messages(s)
    other = market.seller_actor(theirs)
    assert service.list_endpoints(s, other) == []
    for attempt in (
        lambda: service.reveal_secret(s, other, hook.endpoint_id),
        lambda: service.rotate_secret(s, other, hook.endpoint_id),
        lambda: service.list_messages(s, other, hook.endpoint_id),
        lambda: service.set_endpoint_enabled(s, other, hook.endpoint_id, enabled=False),
        lambda: service.resend_message(s, other, message.id),
        lambda: service.delete_endpoint(s, other, hook.endpoint_id),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert [e.url for e in service.list_endpoints(s, market.seller_actor(mine))] == [receiver.url]


def test_deleting_an_endpoint_stops_its_deliveries_even_one_already_on_its_way(market, receiver):
    s = market.s
    shop = market.shop()
    seller = market.seller_actor(shop)
    hook = endpoint(s, seller, receiver.url, "order.paid")
    kept = endpoint(s, seller, receiver.url + "?kept", "order.paid")
    receiver.script(500, 500)  # the first attempt of each fails: both wait for a retry
    market.buy(market.user(), market.product(shop, 700))
    s.commit()
    doomed = [m for m in messages(s) if m.endpoint_id == hook.endpoint_id][0]
    # A worker claims the next attempt, then the seller deletes the endpoint before it answers.
    doomed.next_attempt_at = utcnow() - timedelta(seconds=1)
    s.add(doomed)
    s.commit()
    doomed_id = doomed.id
    claim = delivery.claim_attempt(s, doomed_id, timeout=1)
    s.commit()
    assert claim is not None

    service.delete_endpoint(s, seller, hook.endpoint_id)
    s.commit()
    delivery.record_answer(s, claim, Answer(status_code=200, excerpt="", error="", latency_ms=5))
    s.commit()
    assert [e.id for e in service.list_endpoints(s, seller)] == [kept.endpoint_id]
    assert messages(s, hook.endpoint_id) == []
    assert attempts(s, doomed_id) == []
    assert s.get(WebhookEndpoint, hook.endpoint_id) is None
    # The other endpoint's message is untouched and still retried.
    [other] = messages(s, kept.endpoint_id)
    assert other.status == MessageStatus.PENDING
    with pytest.raises(NotFound):
        service.delete_endpoint(s, seller, hook.endpoint_id)


@pytest.mark.parametrize(
    ("url", "types", "field"),
    [
        ("", ["order.paid"], "url"),
        ("ftp://example.com/hook", ["order.paid"], "url"),
        ("https://user:pw@example.com/hook", ["order.paid"], "url"),
        ("https://10.0.0.7/hook", ["order.paid"], "url"),
        ("https://169.254.169.254/latest", ["order.paid"], "url"),
        ("https://example.com/hook", [], "event_types"),
        ("https://example.com/hook", ["order.shipped"], "event_types"),
    ],
)
def test_bad_endpoints_are_refused_with_a_reason(world, url, types, field):
    s = world.s
    seller = world.seller_actor(world.shop())
    with pytest.raises(ValidationError) as refused:
        service.create_endpoint(s, seller, url=url, event_types=types)
    assert refused.value.field == field
    assert service.list_endpoints(s, seller) == []


def test_plain_http_and_loopback_need_the_development_setting(world):
    s = world.s
    seller = world.seller_actor(world.shop())
    for url in ("http://example.com/hook", "https://127.0.0.1/hook", "https://localhost/hook"):
        with pytest.raises(ValidationError):
            service.create_endpoint(s, seller, url=url, event_types=["order.paid"])


def test_drafts_nobody_subscribed_to_make_no_messages(market):
    s = market.s
    shop = market.shop()
    market.buy(market.user(), market.product(shop, 700))
    s.commit()
    assert messages(s) == []
    assert s.exec(select(Product)).first() is not None


def test_only_shops_with_an_endpoint_for_the_event_have_its_payload_made(market, receiver, monkeypatch):
    """An order's payload costs several queries per shop: a flash sale of a shop with no
    endpoint (most shops) makes none, and a shared order makes only the listening shop's."""
    s = market.s
    listening, quiet = market.shop(), market.shop()
    endpoint(s, market.seller_actor(listening), receiver.url + "/hook", "order.paid")
    endpoint(s, market.seller_actor(quiet), receiver.url + "/refunds", "order.refunded")
    made_for: list[int] = []
    make_order = tasks.payloads._order
    monkeypatch.setattr(
        tasks.payloads, "_order", lambda s, order, shop_id: made_for.append(shop_id) or make_order(s, order, shop_id)
    )

    market.buy(market.user(), market.product(quiet, 700))
    s.commit()
    assert made_for == []
    market.buy(market.user(), market.product(listening, 900), market.product(quiet, 500))
    s.commit()
    assert made_for == [listening.id]
    assert [r.path for r in receiver.requests] == ["/hooks/hook"]


def test_where_sales_data_goes_asks_an_owner_with_a_second_factor_to_confirm(s):
    """Adding or pointing an endpoint elsewhere and seeing or rotating its secret need a
    recent second factor in the studio; a key (minted after one) does not ask again."""
    owner = seller_with_authenticator_app(s)
    with pytest.raises(StepUpRequired):
        service.create_endpoint(s, owner.actor, url="https://hooks.example.com/a", event_types=["order.paid"])
    assert s.exec(select(WebhookEndpoint)).all() == []
    owner.step_up(s)
    made = service.create_endpoint(s, owner.actor, url="https://hooks.example.com/a", event_types=["order.paid"])
    owner.let_step_up_lapse(s)
    for change in (
        lambda: service.reveal_secret(s, owner.actor, made.endpoint_id),
        lambda: service.rotate_secret(s, owner.actor, made.endpoint_id),
        lambda: service.update_endpoint(
            s, owner.actor, made.endpoint_id, url="https://evil.example.com/", event_types=["order.paid"]
        ),
    ):
        with pytest.raises(StepUpRequired):
            change()
    assert s.get(WebhookEndpoint, made.endpoint_id).url == "https://hooks.example.com/a"
    by_key = replace(owner.actor, session_id=None, api_key_id=1)
    assert service.reveal_secret(s, by_key, made.endpoint_id).secret == made.secret
