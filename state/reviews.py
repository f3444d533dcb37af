"""The product page's reviews: the list, the buyer's own review, helpful votes, the
seller's reply and reports.

Thin: each handler reads its form and calls one reviews service as the session's actor,
which decides whether the actor may. Ids in a form are only which review is meant; the
service checks the rest.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

import routes
from commerce.i18n import gettext
from commerce.kit.ids import parse_id
from commerce.reviews import service as reviews
from commerce.reviews.service import ProductRating, ProductReviews, SellerReviewRow
from state import service_call
from state.form_data import text_field
from state.language import speaking
from state.page import PageState, Pagination, ServiceState, page_number, paged
from state.service_call import Result
from state.session import current_actor

PAGE_SIZE = 10


async def _reply(state: ServiceState, form_data: dict[str, Any]) -> Result | None:
    """The seller's reply from a reply form (`review_id`, `reply`); None when no review is meant."""
    review_id = parse_id(form_data.get("review_id"))
    if review_id is None:
        return None
    body = form_data.get("reply") if isinstance(form_data.get("reply"), str) else ""
    return await state._call(reviews.reply_to_review, review_id, body=body)


class ReviewsState(ServiceState, rx.State):
    data: ProductReviews | None = None
    sort: str = "newest"
    limit: int = PAGE_SIZE
    # Changes when the data is reloaded, so forms re-mount with fresh values.
    form_key: int = 0

    review_error: str = ""
    review_notice: str = ""
    editing: bool = False
    reply_error: str = ""
    reply_target: int = 0
    vote_error: str = ""
    # What is being reported: "product", or the id of a review as text.
    report_target: str = ""
    report_error: str = ""
    report_notice: str = ""

    async def _reload(self) -> bool:
        # `shop_slug` and `product_slug` are the dynamic segments of routes.PRODUCT.
        result = await self._call_as_viewer(
            reviews.reviews_for_page, self.shop_slug, self.product_slug, sort=self.sort, limit=self.limit
        )
        self.data = result.value
        self.form_key += 1
        return result.ok

    async def _call_as_viewer(self, service, *args, **kwargs) -> Result:
        # The reviews page is public: the actor only says whose review and votes are whose.
        return await service_call.call(service, *args, viewer=await current_actor(self), **kwargs)

    @rx.event
    async def load(self):
        self.sort, self.limit, self.editing = "newest", PAGE_SIZE, False
        self.review_error = self.review_notice = self.reply_error = self.vote_error = ""
        self.report_target = self.report_error = self.report_notice = ""
        self.reply_target = 0
        await self._reload()

    @rx.event
    async def set_sort(self, sort: str):
        self.sort = sort if sort in reviews.REVIEW_SORTS else "newest"
        self.limit = PAGE_SIZE
        await self._reload()

    @rx.event
    async def show_more(self):
        self.limit = min(self.limit + PAGE_SIZE, 200)
        await self._reload()

    @rx.event
    def edit_review(self):
        self.editing, self.review_notice, self.review_error = True, "", ""

    @rx.event
    def cancel_edit(self):
        self.editing, self.review_error = False, ""

    @rx.event
    async def submit_review(self, form_data: dict[str, Any]):
        self.review_error = self.review_notice = ""
        await speaking(self)
        rating = parse_id(form_data.get("rating"))
        if rating is None:
            self.review_error = gettext("Choose from 1 to 5 stars.")
            return
        if self.data is None:
            return
        body = form_data.get("body") if isinstance(form_data.get("body"), str) else ""
        result = await self._call(reviews.submit_review, self.data.product_id, rating=rating, body=body)
        if not result.ok:
            self.review_error = result.error
            return
        self.editing = False
        self.review_notice = gettext("Thank you! Your review is published.")
        await self._reload()

    @rx.event
    async def toggle_helpful(self, review_id: int, helpful: bool):
        actor = await current_actor(self)
        if not actor.is_signed_in:
            self.vote_error = gettext("Sign in to vote on reviews.")
            return
        result = await service_call.call(reviews.set_helpful, actor, review_id, helpful=bool(helpful))
        self.vote_error = result.error
        if result.ok:
            await self._reload()

    @rx.event
    def open_reply(self, review_id: int):
        self.reply_target, self.reply_error = parse_id(review_id) or 0, ""

    @rx.event
    def close_reply(self):
        self.reply_target, self.reply_error = 0, ""

    @rx.event
    async def submit_reply(self, form_data: dict[str, Any]):
        self.reply_error = ""
        result = await _reply(self, form_data)
        if result is None:
            return
        self.reply_error = result.error
        if result.ok:
            self.reply_target = 0
            await self._reload()

    @rx.event
    def open_report(self, target: str):
        self.report_target = target if isinstance(target, str) else ""
        self.report_error = self.report_notice = ""

    @rx.event
    def close_report(self):
        self.report_target, self.report_error = "", ""

    @rx.event
    async def submit_report(self, form_data: dict[str, Any]):
        self.report_error = self.report_notice = ""
        if self.data is None or not self.report_target:
            return
        reason, details = text_field(form_data, "reason"), text_field(form_data, "details")
        if self.report_target == "product":
            result = await self._call(reviews.report_product, self.data.product_id, reason=reason, details=details)
        else:
            review_id = parse_id(self.report_target)
            if review_id is None:
                return
            result = await self._call(reviews.report_review, review_id, reason=reason, details=details)
        if not result.ok:
            self.report_error = result.error
            return
        self.report_target = ""
        self.report_notice = gettext("Thank you. A moderator will look at your report.")


class SellerReviewsState(PageState, rx.State):
    """The seller area's reviews page: ratings per product and replies to reviews."""

    ratings: list[ProductRating] = []
    rows: list[SellerReviewRow] = []
    pagination: Pagination = Pagination()
    # From `?unanswered=1`, so a filtered page can be reloaded and paged.
    unanswered_only: bool = False
    _page: int = 1

    async def _reload(self) -> None:
        result = await self._call(reviews.seller_reviews, unanswered_only=self.unanswered_only, page=self._page)
        self.ratings = result.value.ratings if result.ok else []
        self.rows, self.pagination = paged(result.map(lambda view: view.reviews))
        self._page = self.pagination.page
        self.form_key += 1

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        self.unanswered_only = self.router.url.query_parameters.get("unanswered", "") == "1"
        self._page = page_number(self)
        await self._reload()

    @rx.var
    def page_query(self) -> str:
        """What the pager puts before `page=N`: the filter, so it stays on every page."""
        return "?unanswered=1&" if self.unanswered_only else "?"

    @rx.event
    def set_unanswered_only(self, value: bool):
        """The filter goes in the address and starts again at the first page."""
        return rx.redirect(routes.SELLER_REVIEWS + ("?unanswered=1" if value is True else ""))

    @rx.event
    async def reply(self, form_data: dict[str, Any]):
        self.error = self.notice = ""
        result = await _reply(self, form_data)
        if result is None:
            return
        self.error = result.error
        if result.ok:
            self.notice = gettext("Reply published on the product page.")
            await self._reload()
