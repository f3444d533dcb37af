"""Visitor analytics in the browser session, and the seller dashboard's state.

`VisitorState` keeps two first-party cookies: a random visitor id and where
the visit came from (referring site, UTM tags of the landing address). Neither
is tied to an account. Pages record what happens with `track(...)`:

    await track(self, "view", product_ids=[product.id])
    await track(self, "add_to_cart", product_ids=[product_id])
    await track(self, "checkout", order_reference=result.order_reference)
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit

import reflex as rx

import routes
from commerce.analytics import capture
from commerce.analytics.capture import VisitContext
from commerce.analytics.dashboard import RANGES, Card, DashboardView, dashboard
from commerce.config import get_settings
from state import service_call
from state.page import PageState
from state.session import current_actor

log = logging.getLogger(__name__)

VISITOR_COOKIE_SECONDS = 365 * 24 * 60 * 60
# A visit's source counts for purchases within a week of landing.
SOURCE_COOKIE_SECONDS = 7 * 24 * 60 * 60


def _own_host() -> str:
    return urlsplit(get_settings().base_url).hostname or ""


class VisitorState(rx.State):
    visitor_id: str = rx.Cookie("", name="mp_vid", path="/", max_age=VISITOR_COOKIE_SECONDS, same_site="lax")
    visit_source: str = rx.Cookie("", name="mp_src", path="/", max_age=SOURCE_COOKIE_SECONDS, same_site="lax")
    _referrer_checked: bool = False

    def _land(self) -> None:
        """On every shop page load: a visitor id, and the source when the address carries UTM tags."""
        if not capture.is_visitor_id(self.visitor_id):
            self.visitor_id = capture.new_visitor_id()
        url = self.router.url
        utm = capture.utm_from_url(f"?{url.query}" if url.query else "")
        if utm:
            self.visit_source = capture.encode_source(capture.decode_source(self.visit_source)["referrer_host"], utm)
        if not self._referrer_checked:
            # The landing page's HTTP response kept its Referer (the outside page that opened
            # the site) in a cookie this page's websocket handshake carried; no script runs.
            self._referrer_checked = True
            self._note_referrer(unquote(routes.cookie_value(self.router.headers.cookie, routes.REFERRER_COOKIE)))

    def _note_referrer(self, referrer: str):
        host = capture.referrer_host(referrer, _own_host())
        if host:
            current = capture.decode_source(self.visit_source)
            utm = {field: current[field] for field in capture.UTM_FIELDS if current[field]}
            self.visit_source = capture.encode_source(host, utm)

    def _visit(self) -> VisitContext | None:
        """This visit's context; None for a bot (not counted)."""
        headers = self.router.headers
        device = capture.device_class(headers.user_agent)
        if device is None:
            return None
        source = capture.decode_source(self.visit_source)
        return VisitContext(
            visitor_id=self.visitor_id if capture.is_visitor_id(self.visitor_id) else None,
            device=device,
            country=capture.country_code(headers.raw_headers.get("cf-ipcountry")),
            **source,
        )


async def track(
    state: rx.State, kind: str, *, product_ids: list[int] | tuple[int, ...] = (), order_reference: str | None = None
) -> None:
    """Record `kind` for this visit (from any state's handler). Never fails the page."""
    visitor = await state.get_state(VisitorState)
    visit = visitor._visit()
    if visit is None:
        return
    actor = await current_actor(state)
    try:
        await service_call.call(
            capture.record_event, actor, kind, visit, product_ids=list(product_ids), order_reference=order_reference
        )
    except Exception:  # counting a visit must never break the page that is being used
        log.exception("could not record a %s event", kind)


PRODUCT_SORTS = {"title", "views", "add_to_cart", "units", "downloads", "revenue", "conversion", "rating"}
SOURCE_SORTS = {"value", "views", "orders", "revenue"}


class DashboardState(PageState, rx.State):
    view: DashboardView | None = None
    range_key: str = "30d"
    custom_start: str = ""
    custom_end: str = ""
    product_sort: str = "revenue"
    product_sort_descending: bool = True
    source_sort: str = "revenue"
    source_sort_descending: bool = True

    async def _reload(self) -> None:
        result = await self._call(
            dashboard, range_key=self.range_key, custom_start=self.custom_start, custom_end=self.custom_end
        )
        self.view, self.error = result.value if result.ok else self.view, result.error
        self.loaded = True

    @rx.event
    async def load(self):
        self.loaded = False
        self.error = ""
        params = self.router.url.query_parameters
        requested = params.get("range", "30d")
        self.range_key = requested if requested in RANGES else "30d"
        if self.range_key == "custom":
            self.custom_start, self.custom_end = params.get("from", ""), params.get("to", "")
        await self._reload()

    @rx.event
    async def choose_range(self, range_key: str):
        if range_key not in RANGES or range_key == "custom":
            return
        self.range_key = range_key
        await self._reload()

    @rx.event
    async def apply_custom_range(self, form_data: dict[str, Any]):
        start, end = form_data.get("from", ""), form_data.get("to", "")
        self.custom_start = start if isinstance(start, str) else ""
        self.custom_end = end if isinstance(end, str) else ""
        self.range_key = "custom"
        await self._reload()

    @rx.event
    async def refresh_live(self):
        """Sent by the notifications watcher when the shop's figures changed."""
        if self.router.url.path.rstrip("/") == routes.SELLER_ANALYTICS and self.view is not None:
            await self._reload()

    @rx.event
    def sort_products(self, column: str):
        if column not in PRODUCT_SORTS:
            return
        if self.product_sort == column:
            self.product_sort_descending = not self.product_sort_descending
        else:
            self.product_sort, self.product_sort_descending = column, column != "title"

    @rx.event
    def sort_products_by(self, column: str):
        """The phone's sort menu: picks a column in its natural direction (no toggling)."""
        if column in PRODUCT_SORTS:
            self.product_sort, self.product_sort_descending = column, column != "title"

    @rx.event
    def sort_sources(self, column: str):
        if column not in SOURCE_SORTS:
            return
        if self.source_sort == column:
            self.source_sort_descending = not self.source_sort_descending
        else:
            self.source_sort, self.source_sort_descending = column, column != "value"

    @rx.var
    def cards(self) -> list[Card]:
        return list(self.view.cards) if self.view else []

    @rx.var
    def revenue_series(self) -> list[dict[str, Any]]:
        if self.view is None:
            return []
        return [
            {"label": p.label, "revenue": p.revenue, "revenue_label": p.revenue_label, "orders": p.orders}
            for p in self.view.series
        ]

    @rx.var
    def funnel_data(self) -> list[dict[str, Any]]:
        if self.view is None:
            return []
        return [
            {
                "label": step.label,
                "count": step.count,
                "count_label": step.count_label,
                "share": step.share_label,
                "step": step.step_label,
                # The bar's label: how many, and their share of the first step.
                "figure": f"{step.count_label} · {step.share_label}",
            }
            for step in self.view.funnel
        ]

    @rx.var
    def sorted_products(self) -> list[dict[str, Any]]:
        if self.view is None:
            return []
        rows = [
            dict(
                product_id=r.product_id,
                title=r.title,
                views=r.views,
                add_to_cart=r.add_to_cart,
                units=r.units,
                downloads=r.downloads,
                revenue=r.revenue,
                revenue_label=r.revenue_label,
                conversion=r.conversion,
                conversion_label=r.conversion_label,
                rating=r.rating,
                rating_label=r.rating_label,
            )
            for r in self.view.products
        ]
        key = self.product_sort
        rows.sort(
            key=lambda row: row[key].lower() if key == "title" else row[key], reverse=self.product_sort_descending
        )
        return rows

    @rx.var
    def top_products_by_revenue(self) -> bool:
        """Rank by revenue once something sold in the period, by views before that."""
        return self.view is not None and any(r.revenue for r in self.view.products)

    @rx.var
    def top_products_chart(self) -> list[dict[str, Any]]:
        if self.view is None:
            return []
        by_revenue = any(r.revenue for r in self.view.products)
        rows = sorted(self.view.products, key=lambda r: -(r.revenue if by_revenue else r.views))[:5]
        return [{"title": r.title[:24], "value": r.revenue_major if by_revenue else r.views} for r in rows]

    def _sources(self, rows) -> list[dict[str, Any]]:
        out = [
            dict(value=r.value, views=r.views, orders=r.orders, revenue=r.revenue, revenue_label=r.revenue_label)
            for r in rows
        ]
        key = self.source_sort
        out.sort(key=lambda row: row[key].lower() if key == "value" else row[key], reverse=self.source_sort_descending)
        return out

    @rx.var
    def referrers(self) -> list[dict[str, Any]]:
        return self._sources(self.view.referrers) if self.view else []

    @rx.var
    def campaigns(self) -> list[dict[str, Any]]:
        return self._sources(self.view.campaigns) if self.view else []

    @rx.var
    def utm_sources(self) -> list[dict[str, Any]]:
        return self._sources(self.view.sources) if self.view else []

    @rx.var
    def countries(self) -> list[dict[str, Any]]:
        return self._sources(self.view.countries) if self.view else []

    @rx.var
    def country_chart(self) -> list[dict[str, Any]]:
        if self.view is None:
            return []
        return [{"country": r.value, "views": r.views, "orders": r.orders} for r in self.view.countries]

    @rx.var
    def has_any_data(self) -> bool:
        return self.view is not None and self.view.has_any_data

    @rx.var
    def revenue_label(self) -> str:
        return self.view.revenue_label if self.view else ""

    @rx.var
    def revenue_summary(self) -> str:
        return self.view.revenue_summary if self.view else ""

    @rx.var
    def period_label(self) -> str:
        return self.view.period_label if self.view else ""

    @rx.var
    def currency(self) -> str:
        return self.view.currency if self.view else ""

    @rx.var
    def orders_in_period(self) -> int:
        return sum(point.orders for point in self.view.series) if self.view else 0
