"""The product page's reviews section and its report-a-product control (state: ReviewsState)."""

from __future__ import annotations

import reflex as rx

from commerce.reviews.service import MAX_REPLY_LENGTH, MAX_REPORT_DETAILS, MAX_REVIEW_LENGTH, REPORT_REASONS
from components import theme
from components.forms import banner, choice_field, field, form_error, form_notice, stacked_form
from components.i18n import t
from components.rating import rating_bar, stars
from components.rich_text import written_text
from components.studio import dropdown, field_label
from state.reviews import ReviewsState
from state.session import SessionState

D = ReviewsState.data
RATING_OPTIONS = [
    ("", "Choose…"),
    ("5", "★★★★★ Excellent"),
    ("4", "★★★★ Good"),
    ("3", "★★★ Fair"),
    ("2", "★★ Poor"),
    ("1", "★ Bad"),
]
REASON_OPTIONS = [("", t("Choose a reason…")), *REPORT_REASONS.items()]


def report_form(id_prefix: str) -> rx.Component:
    return stacked_form(
        choice_field(t("Why should a moderator look at it?"), REASON_OPTIONS, name="reason", id=f"{id_prefix}-reason"),
        field(
            t("Details (optional unless you chose “Something else”)"),
            rx.text_area(
                name="details", id=f"{id_prefix}-details", rows="3", width="100%", max_length=MAX_REPORT_DETAILS
            ),
            html_for=f"{id_prefix}-details",
        ),
        form_error(ReviewsState.report_error, id=f"{id_prefix}-error"),
        rx.hstack(
            rx.button(t("Send report"), type="submit", id=f"{id_prefix}-submit", color_scheme="red"),
            rx.button(t("Cancel"), type="button", variant="soft", on_click=ReviewsState.close_report),
            spacing="2",
        ),
        spacing="3",
        on_submit=ReviewsState.submit_report,
        reset_on_submit=False,
        padding="0.75rem",
        border=f"1px solid {theme.BORDER}",
        border_radius=theme.RADIUS_CARD,
        id=f"{id_prefix}-form",
    )


def report_product_control() -> rx.Component:
    """Under the buy box: anyone signed in but the seller may report the product."""
    return rx.cond(
        D & D.can_report_product,
        rx.cond(
            ReviewsState.report_target == "product",
            report_form("report-product"),
            rx.button(
                rx.icon("flag", size=14),
                t("Report this product"),
                variant="ghost",
                size="1",
                color_scheme="gray",
                on_click=ReviewsState.open_report("product"),
                id="report-product",
            ),
        ),
    )


def summary() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(
                rx.cond(D.summary.count > 0, D.summary.average_label, "–"), size="8", weight="bold", id="rating-average"
            ),
            stars(D.summary.stars),
            rx.text(
                D.summary.count.to_string() + rx.cond(D.summary.count == 1, " review", " reviews"),
                size="2",
                color=theme.TEXT_MUTED,
                id="rating-count",
            ),
            spacing="1",
            align="center",
            min_width="8rem",
        ),
        rx.vstack(
            rx.foreach(D.summary.distribution, lambda bar: rating_bar(bar.stars, bar.count, bar.percent)),
            spacing="1",
            width="100%",
            max_width="24rem",
            id="rating-distribution",
        ),
        spacing="5",
        align="center",
        width="100%",
        wrap="wrap",
    )


def review_form() -> rx.Component:
    own = D.own_review
    return stacked_form(
        rx.heading(rx.cond(own, t("Edit your review"), t("Review this product")), as_="h3", size="4"),
        field(
            t("Your rating"),
            rx.box(
                dropdown(
                    RATING_OPTIONS,
                    name="rating",
                    id="review-rating",
                    default_value=rx.cond(own, own.rating.to_string(), ""),
                ),
                max_width="16rem",
                width="100%",
            ),
            html_for="review-rating",
        ),
        field(
            t("Your review (optional)"),
            rx.text_area(
                name="body",
                id="review-body",
                rows="4",
                width="100%",
                default_value=rx.cond(own, own.body, ""),
                max_length=MAX_REVIEW_LENGTH,
                placeholder=t("What did you like? What could be better?"),
            ),
            html_for="review-body",
        ),
        form_error(ReviewsState.review_error, id="review-error"),
        rx.hstack(
            rx.button(
                rx.cond(own, t("Save review"), t("Publish review")),
                type="submit",
                id="review-submit",
                style=theme.CTA_BUTTON_STYLE,
            ),
            rx.cond(
                ReviewsState.editing,
                rx.button(t("Cancel"), type="button", variant="soft", on_click=ReviewsState.cancel_edit),
            ),
            spacing="2",
        ),
        spacing="3",
        on_submit=ReviewsState.submit_review,
        key=ReviewsState.form_key.to_string(),
        id="review-form",
    )


def own_review_or_form() -> rx.Component:
    return rx.cond(
        D.can_review,
        rx.cond(
            D.own_review & ~ReviewsState.editing,
            banner(
                rx.hstack(
                    rx.text(t("You rated this product {rating} out of 5.", rating=D.own_review.rating)),
                    rx.button(
                        t("Edit your review"),
                        variant="soft",
                        size="1",
                        on_click=ReviewsState.edit_review,
                        id="review-edit",
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                icon="circle_check",
                color="green",
                id="own-review",
            ),
            rx.card(review_form(), width="100%"),
        ),
        rx.fragment(
            rx.cond(
                D.own_review_hidden,
                banner(
                    t("A moderator hid your review of this product, so it is not shown here."),
                    icon="eye-off",
                    color="gray",
                    id="own-review-hidden",
                ),
            ),
            rx.cond(
                ~SessionState.is_signed_in,
                rx.text(
                    t("Bought this product?"),
                    " ",
                    rx.link(t("Sign in to review it"), href=SessionState.sign_in_here, id="review-sign-in"),
                    size="2",
                    color=theme.TEXT_MUTED,
                ),
            ),
        ),
    )


def reply_form(review) -> rx.Component:
    return stacked_form(
        rx.el.input(type="hidden", name="review_id", value=review.id.to_string()),
        field_label(t("Your reply (one per review; it cannot be changed)"), "reply-body"),
        rx.text_area(name="reply", id="reply-body", rows="3", width="100%", max_length=MAX_REPLY_LENGTH),
        form_error(ReviewsState.reply_error, id="reply-error"),
        rx.hstack(
            rx.button(t("Publish reply"), type="submit", id="reply-submit"),
            rx.button(t("Cancel"), type="button", variant="soft", on_click=ReviewsState.close_reply),
            spacing="2",
        ),
        spacing="2",
        on_submit=ReviewsState.submit_reply,
    )


def review_item(review) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            stars(review.rating, size="2"),
            rx.text(review.author_name, weight="medium", size="2"),
            rx.cond(
                review.verified_purchase,
                rx.badge(
                    rx.icon("badge-check", size=12),
                    t("Verified purchase"),
                    color_scheme="green",
                    variant="soft",
                    custom_attrs={"data-testid": "verified-purchase"},
                ),
            ),
            rx.text(review.date_label, rx.cond(review.edited, t(" · edited"), ""), size="1", color=theme.TEXT_MUTED),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        written_text(review.body, size="3", test_id="review-body"),
        rx.cond(
            review.reply_body != "",
            rx.box(
                rx.text(t("Reply from the seller · {date}", date=review.reply_date_label), size="1", weight="bold"),
                rx.text(review.reply_body, size="2", white_space="pre-wrap"),
                padding="0.5rem 0.75rem",
                border_inline_start=f"3px solid {theme.PRIMARY}",
                background_color=theme.SURFACE,
                width="100%",
                custom_attrs={"data-testid": "review-reply"},
            ),
        ),
        rx.hstack(
            rx.cond(
                ~review.is_own,
                rx.button(
                    rx.icon("thumbs-up", size=14),
                    rx.cond(review.voted_helpful, t("Helpful ✓"), t("Helpful")),
                    " (",
                    review.helpful_count.to_string(),
                    ")",
                    variant=rx.cond(review.voted_helpful, "solid", "soft"),
                    size="1",
                    aria_pressed=rx.cond(review.voted_helpful, "true", "false"),
                    on_click=ReviewsState.toggle_helpful(review.id, ~review.voted_helpful),
                    custom_attrs={"data-testid": "review-helpful"},
                ),
                rx.text(t("Found helpful: {count}", count=review.helpful_count), size="1", color=theme.TEXT_MUTED),
            ),
            rx.cond(
                review.can_reply & (ReviewsState.reply_target != review.id),
                rx.button(
                    rx.icon("reply", size=14),
                    t("Reply"),
                    variant="soft",
                    size="1",
                    on_click=ReviewsState.open_reply(review.id),
                    custom_attrs={"data-testid": "review-reply-open"},
                ),
            ),
            rx.cond(
                D.can_report_reviews & ~review.is_own & (ReviewsState.report_target != review.id.to_string()),
                rx.button(
                    rx.icon("flag", size=14),
                    t("Report"),
                    variant="ghost",
                    size="1",
                    color_scheme="gray",
                    on_click=ReviewsState.open_report(review.id.to_string()),
                    custom_attrs={"data-testid": "review-report"},
                ),
            ),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        rx.cond(ReviewsState.reply_target == review.id, reply_form(review)),
        rx.cond(ReviewsState.report_target == review.id.to_string(), report_form("report-review")),
        spacing="2",
        width="100%",
        padding_y="1rem",
        border_bottom=f"1px solid {theme.BORDER}",
        custom_attrs={"data-testid": "review"},
    )


def sort_button(label: str, value: str) -> rx.Component:
    return rx.button(
        label,
        size="1",
        variant=rx.cond(ReviewsState.sort == value, "solid", "soft"),
        aria_pressed=rx.cond(ReviewsState.sort == value, "true", "false"),
        on_click=ReviewsState.set_sort(value),
        id=f"review-sort-{value}",
    )


def reviews_section() -> rx.Component:
    return rx.cond(
        D,
        rx.vstack(
            rx.heading(t("Ratings and reviews"), as_="h2", size="5"),
            summary(),
            form_notice(ReviewsState.review_notice, id="review-notice"),
            form_notice(ReviewsState.report_notice, id="report-notice"),
            form_error(ReviewsState.vote_error, id="vote-error"),
            own_review_or_form(),
            rx.cond(
                D.reviews.length() > 0,
                rx.vstack(
                    rx.hstack(
                        rx.text(t("Sort by"), size="2", color=theme.TEXT_MUTED),
                        sort_button(t("Newest"), "newest"),
                        sort_button(t("Most helpful"), "helpful"),
                        spacing="2",
                        align="center",
                        role="group",
                        aria_label=t("Sort reviews"),
                    ),
                    rx.box(rx.foreach(D.reviews, review_item), width="100%", id="review-list"),
                    rx.cond(
                        D.has_more,
                        rx.button(
                            t("Show more reviews"), variant="soft", on_click=ReviewsState.show_more, id="reviews-more"
                        ),
                    ),
                    spacing="3",
                    width="100%",
                ),
                rx.text(
                    t("No reviews yet. Buyers of this product can write the first one."),
                    color=theme.TEXT_MUTED,
                    id="reviews-empty",
                ),
            ),
            spacing="4",
            width="100%",
            id="reviews",
        ),
    )
