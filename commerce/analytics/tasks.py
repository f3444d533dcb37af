"""Analytics jobs, and the hooks that turn paid and refunded orders into events.

Importing this module registers the hooks (the web app's states and the worker
import it). A sale schedules a rollup right after its commit, so the seller's
dashboard moves within seconds; views are rolled up by the periodic run that the
web app starts (`periodic_rollups`), and `python -m commerce.cli analytics-rollup`
does the same by hand.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import event
from sqlmodel import Session

from commerce.analytics import rollups, sales
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.jobs import enqueue_after_commit, enqueue_now, job
from commerce.links import order_url
from commerce.models import Order, OrderLine, Refund, Shop
from commerce.money import Money, format_money
from commerce.notifications import inapp
from commerce.orders import hooks

log = logging.getLogger(__name__)

_SCHEDULED = "analytics.rollup_scheduled"
ROLLUP_INTERVAL_SECONDS = 60
PURGE_INTERVAL_SECONDS = 24 * 60 * 60
ANALYTICS_PAGE = "/seller/analytics"


@job(max_retries=8, min_backoff_ms=1_000, max_backoff_ms=120_000, queue="analytics")
def roll_up_analytics() -> None:
    """Recompute every pending shop day. Idempotent: a rerun recomputes the same totals."""
    while True:
        with unit_of_work() as s:
            done = rollups.roll_up_pending(s, limit=200)
        if done < 200:
            return


@job(max_retries=3, min_backoff_ms=60_000, queue="analytics")
def purge_analytics_events() -> None:
    with unit_of_work() as s:
        events, hourly = rollups.purge(s, retention_days=get_settings().analytics_retention_days)
    log.info("analytics: deleted %d old visitor events and %d hourly rows", events, hourly)


def schedule_rollup(s: Session) -> None:
    """Roll up once after `s` commits, however many events it recorded."""
    if not s.info.get(_SCHEDULED):
        s.info[_SCHEDULED] = True
        enqueue_after_commit(s, roll_up_analytics)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _new_transaction_schedules_again(session: Session) -> None:
    session.info.pop(_SCHEDULED, None)


@hooks.on_paid
def _sale(s: Session, order: Order, lines: Sequence[OrderLine]) -> None:
    sales.record_sale(s, order, lines)
    by_shop: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_shop.setdefault(line.shop_id, []).append(line)
    for shop_id, shop_lines in by_shop.items():
        shop = s.get(Shop, shop_id)
        earned = sum(sales.to_shop_currency(s, line.net, order, line, shop) for line in shop_lines)
        titles = ", ".join(line.title for line in shop_lines)
        inapp.notify(
            s,
            shop.owner_id,
            kind="sale_alert",
            title=f"New sale: {titles}"[:200],
            body=f"{format_money(Money(earned, shop.currency))} before commission, order {order.reference}",
            url=ANALYTICS_PAGE,
            dedupe_key=f"sale:{order.reference}:{shop_id}",
        )
    schedule_rollup(s)


@hooks.on_refund
def _refund(s: Session, order: Order, refunds: Sequence[Refund]) -> None:
    sales.record_refunds(s, order, refunds)
    amount = format_money(Money(sum(refund.amount for refund in refunds), order.currency))
    inapp.notify(
        s,
        order.buyer_id,
        kind="refund_notice",
        title=f"Refund of {amount} for order {order.reference}",
        body="It goes back to the card you paid with; banks take a few days to show it.",
        url=order_url(order.reference),
        dedupe_key=f"refund:{refunds[0].id}",
    )
    schedule_rollup(s)


async def periodic_rollups() -> None:
    """Run for the life of the web app: roll up views every minute, purge old events daily."""
    since_purge = PURGE_INTERVAL_SECONDS
    while True:
        try:
            # Sending to Redis is network I/O: off the event loop.
            await asyncio.to_thread(enqueue_now, roll_up_analytics)
            if since_purge >= PURGE_INTERVAL_SECONDS:
                await asyncio.to_thread(enqueue_now, purge_analytics_events)
                since_purge = 0
        except Exception:  # Redis away for a moment: the next round tries again
            log.exception("could not schedule the analytics jobs")
        await asyncio.sleep(ROLLUP_INTERVAL_SECONDS)
        since_purge += ROLLUP_INTERVAL_SECONDS
