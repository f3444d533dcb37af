"""Granting on payment exactly once, revoking on refund, dispute and admin action."""

from datetime import timedelta

import pytest
from sqlmodel import select

from commerce import audit
from commerce.delivery import grants
from commerce.delivery.stamped import make_stamped_copy
from commerce.delivery.tasks import deliver_fulfilment
from commerce.errors import Conflict, NotFound, PermissionDenied, ValidationError
from commerce.license_keys.format import is_well_formed
from commerce.licensing import service as licensing
from commerce.licensing.issuing import issue_key
from commerce.models import (
    DeliveryKind,
    FulfilmentDelivery,
    FulfilmentStatus,
    KeyStatus,
    LicenseKey,
    Order,
    OrderTransition,
    StampedCopy,
    WebhookOutcome,
)
from commerce.orders import lifecycle
from commerce.orders.checkout import KEY_HOLD
from commerce.orders.webhooks import handle_event
from tests.fixtures.delivery import one_page_pdf


def live_keys(s, product):
    return s.exec(
        select(LicenseKey).where(LicenseKey.product_id == product.id, LicenseKey.status == KeyStatus.SOLD)
    ).all()


def test_payment_grants_each_line_once_and_a_second_delivery_changes_nothing(shop, jobs):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product, prefix="ACME")
    user, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    (fulfilment,) = shop.fulfilments(order)
    assert fulfilment.status == FulfilmentStatus.GRANTED
    assert jobs.ran(deliver_fulfilment) == [{"fulfilment_id": fulfilment.id}]
    assert shop.s.get(FulfilmentDelivery, fulfilment.id) is not None
    (key,) = live_keys(shop.s, product)
    assert (key.buyer_id, key.fulfilment_id) == (user.id, fulfilment.id)

    # A retried job (the worker died before acknowledging) finds the work done.
    assert grants.deliver(shop.s, fulfilment.id) is False
    assert issue_key(shop.s, fulfilment).id == key.id
    assert len(live_keys(shop.s, product)) == 1


def test_generated_keys_are_grouped_unguessable_and_carry_the_product_prefix(shop):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product, prefix="ACME", expiry_days=30, activation_limit=2)
    _, buyer = shop.buyer()
    shop.buy(buyer, product)
    (key,) = live_keys(shop.s, product)
    text = licensing.reveal_key(shop.s, buyer, key.id)
    groups = text.split("-")
    assert groups[0] == "ACME"
    assert len(groups) == 7
    assert all(len(g) == 5 for g in groups[1:])
    assert is_well_formed(text)
    assert key.activation_limit == 2
    assert key.expires_at is not None


def test_the_payment_schedules_the_delivery_which_runs_once_it_commits(shop, jobs):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product)
    _, buyer = shop.buyer()
    result = shop.world.checkout(buyer, [product], currency="USD")
    _, event = shop.world.pay(result.order_reference)
    handle_event(shop.s, event)
    (fulfilment,) = shop.fulfilments(shop.s.exec(select(Order).where(Order.reference == result.order_reference)).one())
    # Nothing is issued before the payment commits, and the sweep finds it if the job is lost.
    assert live_keys(shop.s, product) == []
    assert fulfilment.id in grants.pending_fulfilment_ids(shop.s, older_than=timedelta(0))

    shop.s.commit()

    assert jobs.ran(deliver_fulfilment) == [{"fulfilment_id": fulfilment.id}]
    assert len(live_keys(shop.s, product)) == 1
    assert fulfilment.id not in grants.pending_fulfilment_ids(shop.s, older_than=timedelta(0))


def test_an_empty_stock_never_sells_a_key_twice_nor_leaves_the_sale_pending(shop, jobs):
    """The late buyer is refunded at once (tests/security/test_paid_and_delivered.py has the rest)."""
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.import_keys(product, "ONLY-ONE-KEY")
    late_order = _paid_after_the_last_key_was_sold(shop, jobs, product)
    (fulfilment,) = shop.fulfilments(late_order)
    assert fulfilment.status == FulfilmentStatus.REVOKED
    assert fulfilment.id not in grants.pending_fulfilment_ids(shop.s, older_than=timedelta(0))
    assert len(shop.s.exec(select(LicenseKey).where(LicenseKey.product_id == product.id)).all()) == 1
    assert jobs.take_failures() == []


def test_a_product_with_files_and_keys_that_ran_out_starts_no_personal_copy(shop, jobs):
    """The files' part of the grant is undone with the missing key: the refunded buyer gets
    no stamped copy made, nor a job making one."""
    product = shop.product(kind=DeliveryKind.BOTH)
    file = shop.file(product, shop.version(product), one_page_pdf(), filename="manual.pdf", stamp=True)
    shop.import_keys(product, "ONLY-ONE-KEY")
    late_order = _paid_after_the_last_key_was_sold(shop, jobs, product)
    (fulfilment,) = shop.fulfilments(late_order)
    assert fulfilment.status == FulfilmentStatus.REVOKED
    made_for = shop.s.exec(select(StampedCopy.buyer_id).where(StampedCopy.file_id == file.id)).all()
    assert late_order.buyer_id not in made_for
    assert len(made_for) == len(jobs.ran(make_stamped_copy)) == 1  # the buyer who got the key has theirs


def _paid_after_the_last_key_was_sold(shop, jobs, product) -> Order:
    """Checkout holds the last key for an unpaid order only for KEY_HOLD; a buyer who pays
    after that may find it sold to someone else. Returns that late buyer's paid order,
    whose delivery found no key left."""
    _, late_buyer = shop.buyer()
    _, other = shop.buyer()
    late = shop.world.checkout(late_buyer, [product], currency="USD")
    late_order = shop.s.exec(select(Order).where(Order.reference == late.order_reference)).one()
    late_order.created_at -= KEY_HOLD + timedelta(minutes=1)
    shop.s.add(late_order)
    shop.s.flush()
    shop.buy(other, product)
    _, event = shop.world.pay(late.order_reference)
    assert handle_event(shop.s, event) == WebhookOutcome.PROCESSED
    shop.s.commit()
    assert jobs.ran(deliver_fulfilment)[-1] == {"fulfilment_id": shop.fulfilments(late_order)[0].id}
    return late_order


def test_a_full_refund_revokes_access_and_keys_and_a_repeat_revoke_is_harmless(shop):
    product = shop.product(kind=DeliveryKind.BOTH)
    shop.generated_keys(product)
    _, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    (key,) = live_keys(shop.s, product)
    shop.refund(order)
    (fulfilment,) = shop.fulfilments(order)
    assert fulfilment.status == FulfilmentStatus.REVOKED
    shop.s.refresh(key)
    assert key.status == KeyStatus.REVOKED
    assert licensing.status_of(key) == "revoked"
    # The same revocation again (a duplicate event) finds nothing left to revoke.
    (line_id,) = {f.order_line_id for f in shop.fulfilments(order)}
    from commerce.models import OrderLine

    lifecycle.revoke_fulfilments(shop.s, shop.s.get(OrderLine, line_id))
    assert grants.deliver(shop.s, fulfilment.id) is False
    with pytest.raises(NotFound):
        licensing.reveal_key(shop.s, buyer, key.id)


def test_a_partial_refund_keeps_access(shop):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product)
    _, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    (line_id,) = {f.order_line_id for f in shop.fulfilments(order)}
    from commerce.orders import refunds

    refunds.refund(shop.s, shop.seller, shop.world.gateway, order.reference, amounts={line_id: 100})
    assert [f.status for f in shop.fulfilments(order)] == [FulfilmentStatus.GRANTED]
    assert len(live_keys(shop.s, product)) == 1


def test_a_dispute_revokes_access(shop):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product)
    _, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    lifecycle.mark_disputed(shop.s, order)
    assert [f.status for f in shop.fulfilments(order)] == [FulfilmentStatus.REVOKED]
    assert live_keys(shop.s, product) == []


def test_an_admin_revokes_an_orders_access_with_a_reason_in_the_audit_trail(shop):
    product = shop.product(kind=DeliveryKind.KEYS)
    shop.generated_keys(product)
    _, buyer = shop.buyer()
    order = shop.buy(buyer, product)
    with pytest.raises(PermissionDenied):
        grants.revoke_order_access(shop.s, shop.seller, order.reference, reason="fraud")
    admin = shop.world.admin_actor()
    with pytest.raises(ValidationError):
        grants.revoke_order_access(shop.s, admin, order.reference, reason="  ")
    assert grants.revoke_order_access(shop.s, admin, order.reference, reason="stolen card") == 1
    assert live_keys(shop.s, product) == []
    trail = shop.s.exec(select(OrderTransition.reason).where(OrderTransition.order_id == order.id)).all()
    assert "access revoked by an admin: stolen card" in trail
    with pytest.raises(Conflict):
        grants.revoke_order_access(shop.s, admin, order.reference, reason="again")
    # Admins find the decision on /admin/audit.
    (entry,) = audit.list_audit(shop.s, admin, action="revoke_order_access").items
    assert (entry.subject, entry.subject_id, entry.reason) == ("order", order.reference, "stolen card")
    assert entry.action_label == "Revoked order access"
