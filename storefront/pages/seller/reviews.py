"""The seller's reviews: average rating per product and the newest reviews, each answerable once."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.reviews.service import MAX_REPLY_LENGTH
from components import theme
from components.admin import cell_table
from components.empty_state import empty_state
from components.forms import form_error, form_notice, stacked_form
from components.i18n import bt
from components.pager import pager
from components.rating import stars
from components.rich_text import written_text
from components.seller_nav import seller_nav
from state.reviews import SellerReviewsState
from storefront.layout import seller_page

S = SellerReviewsState


def reply_form(row) -> rx.Component:
    return stacked_form(
        rx.el.input(type="hidden", name="review_id", value=row.review.id.to_string()),
        rx.text_area(
            name="reply",
            rows="2",
            width="100%",
            max_length=MAX_REPLY_LENGTH,
            placeholder=bt("Your public reply (one per review; it cannot be changed)"),
            aria_label=bt("Reply to {author}", author=row.review.author_name),
        ),
        rx.button(bt("Publish reply"), type="submit", size="2", variant="soft"),
        spacing="2",
        on_submit=SellerReviewsState.reply,
        key=SellerReviewsState.form_key.to_string() + row.review.id.to_string(),
    )


def review_card(row) -> rx.Component:
    review = row.review
    return rx.card(
        rx.vstack(
            rx.hstack(
                stars(review.rating, size="2"),
                rx.link(row.product_title, href=row.product_url, weight="medium"),
                rx.text(review.author_name, " · ", review.date_label, size="1", color=theme.TEXT_MUTED),
                rx.cond(
                    review.verified_purchase, rx.badge(bt("Verified purchase"), color_scheme="green", variant="soft")
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            written_text(review.body, size="3"),
            rx.cond(
                review.reply_body != "",
                rx.text(
                    bt("Your reply: {reply}", reply=review.reply_body),
                    size="2",
                    color=theme.TEXT_MUTED,
                    white_space="pre-wrap",
                ),
                rx.cond(review.can_reply, reply_form(row)),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "seller-review"},
    )


@seller_page(
    routes.SELLER_REVIEWS,
    title=bo_N_("Reviews"),
    description=bo_N_("Ratings and reviews of your products."),
    on_load=SellerReviewsState.load,
)
def seller_reviews() -> rx.Component:
    return rx.vstack(
        seller_nav(routes.SELLER_REVIEWS),
        rx.heading(bt("Reviews"), as_="h1", size="7"),
        form_notice(SellerReviewsState.notice, id="seller-reviews-notice"),
        form_error(SellerReviewsState.error, id="seller-reviews-error"),
        rx.cond(
            S.ratings.length() > 0,
            cell_table(
                [bo_N_("Product"), bo_N_("Average rating"), bo_N_("Reviews")],
                S.ratings,
                lambda r: rx.table.row(
                    rx.table.cell(r.title),
                    rx.table.cell(r.rating_label),
                    rx.table.cell(r.count.to_string()),
                ),
                id="seller-ratings",
            ),
        ),
        rx.checkbox(
            bt("Only reviews without a reply"),
            checked=SellerReviewsState.unanswered_only,
            on_change=SellerReviewsState.set_unanswered_only,
            id="seller-reviews-unanswered",
        ),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(rx.foreach(S.rows, review_card), spacing="3", width="100%"),
            empty_state(
                "star",
                bt("No reviews to show"),
                bt("Buyers of your products can review them; their reviews appear here for you to answer."),
                id="seller-reviews-empty",
            ),
        ),
        pager(
            S.pagination,
            id="seller-reviews-pager",
            query=S.page_query,
        ),
        spacing=theme.GAP,
        width="100%",
    )
