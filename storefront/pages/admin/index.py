"""The admin console's front page: the moderation queue.

Keyboard: every control is a native button, link, checkbox or form field in reading
order; besides, j / k move between items, a approves the focused product, x ticks
it for a bulk decision and r jumps to its reason field (see QUEUE_KEYS_SCRIPT).
"""

from __future__ import annotations

import reflex as rx

import routes
from commerce.moderation.queue import AGES
from components import theme
from components.admin import admin_header
from components.empty_state import empty_state
from components.forms import action_row, form_error, form_notice, reason_field
from components.loading import listed
from components.pager import pager
from components.rating import stars
from components.rich_text import written_text
from components.studio import dropdown
from state.moderation import ModerationState
from storefront.layout import admin_page

KIND_TABS = [
    ("all", "Everything"),
    ("product", "Products"),
    ("review", "Reviews"),
    ("shop", "Shops"),
    ("delivery", "Not delivered"),
]
KIND_BADGES = {"product": "indigo", "review": "cyan", "shop": "orange", "delivery": "red"}

# Single-letter shortcuts while focus is not in a text field.
QUEUE_KEYS_SCRIPT = """
if (!window.queueKeysInstalled) { window.queueKeysInstalled = true;
document.addEventListener('keydown', function (event) {
  if (!document.querySelector('[data-queue-item]')) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
  const items = Array.from(document.querySelectorAll('[data-queue-item]'));
  if (!items.length) return;
  const current = items.findIndex(function (item) { return item.contains(document.activeElement); });
  const item = current >= 0 ? items[current] : null;
  const focus = function (index) {
    const next = items[Math.max(0, Math.min(items.length - 1, index))];
    next.focus(); next.scrollIntoView({block: 'nearest'});
  };
  const press = function (selector) {
    const control = item && item.querySelector(selector);
    if (control) { control.click(); event.preventDefault(); }
  };
  if (event.key === 'j') { focus(current + 1); event.preventDefault(); }
  else if (event.key === 'k') { focus(current < 0 ? 0 : current - 1); event.preventDefault(); }
  else if (event.key === 'a') { press('[data-action=approve]'); }
  else if (event.key === 'x') { press('[data-action=select]'); }
  else if (item && event.key === 'r') {
    const reason = item.querySelector('input[name=reason]');
    if (reason) { reason.focus(); event.preventDefault(); }
  }
}); }
"""


def filters() -> rx.Component:
    counts = ModerationState.counts
    return rx.flex(
        rx.flex(
            *[
                rx.button(
                    label,
                    " (",
                    counts.get(kind, 0).to_string(),
                    ")",
                    variant=rx.cond(ModerationState.kind == kind, "solid", "soft"),
                    aria_pressed=rx.cond(ModerationState.kind == kind, "true", "false"),
                    on_click=ModerationState.set_kind(kind),
                    id=f"queue-kind-{kind}",
                )
                for kind, label in KIND_TABS
            ],
            gap="0.5rem",
            wrap="wrap",
            role="group",
            aria_label="Kind of item",
        ),
        rx.hstack(
            rx.el.label("Waiting", html_for="queue-age", font_size="0.9rem"),
            rx.box(
                dropdown(
                    list(AGES.items()),
                    name="age",
                    id="queue-age",
                    default_value=ModerationState.age,
                    on_change=ModerationState.set_age,
                ),
                min_width="10rem",
            ),
            align="center",
            spacing="2",
        ),
        justify="between",
        gap="0.75rem",
        wrap="wrap",
        width="100%",
    )


def bulk_bar() -> rx.Component:
    count = ModerationState.selected.length()
    return rx.cond(
        count > 0,
        rx.card(
            rx.flex(
                rx.text(count.to_string() + " selected", weight="bold", id="bulk-count"),
                rx.button(
                    "Approve selected", on_click=ModerationState.bulk_approve, color_scheme="green", id="bulk-approve"
                ),
                rx.form(
                    rx.hstack(
                        reason_field(
                            id="bulk-reason",
                            placeholder="Reason shown to the sellers",
                            label="Reason for rejecting the selected products",
                            min_width="14rem",
                            flex_grow="0",
                        ),
                        rx.button("Reject selected", type="submit", color_scheme="red", id="bulk-reject"),
                        spacing="2",
                    ),
                    on_submit=ModerationState.bulk_reject,
                ),
                rx.button("Clear", variant="soft", on_click=ModerationState.clear_selection),
                gap="0.75rem",
                align="center",
                wrap="wrap",
            ),
            width="100%",
            id="bulk-bar",
        ),
    )


def reason_form(item, *, id_name: str, on_submit, label: str, button: str, placeholder: str) -> rx.Component:
    action = button.lower().split()[0]
    return rx.form(
        action_row(
            rx.el.input(type="hidden", name=id_name, value=item.subject_id.to_string()),
            reason_field(
                label=label,
                placeholder=placeholder,
                min_width="14rem",
                custom_attrs={"data-testid": f"{action}-reason"},
            ),
            rx.button(button, type="submit", color_scheme="red", variant="soft", custom_attrs={"data-action": action}),
        ),
        on_submit=on_submit,
        key=ModerationState.form_key.to_string() + item.key,
        width="100%",
    )


def reports_block(item) -> rx.Component:
    return rx.cond(
        item.reports.length() > 0,
        rx.vstack(
            rx.text("Newest reports (", item.report_count.to_string(), " open)", size="2", weight="bold"),
            rx.foreach(
                item.reports,
                lambda report: rx.hstack(
                    rx.vstack(
                        rx.text(
                            rx.text.strong(report.reason_label),
                            " · ",
                            report.reporter_name,
                            " (",
                            report.reporter_email,
                            ") · ",
                            report.when_label,
                            size="2",
                        ),
                        rx.cond(
                            report.details != "", rx.text("“", report.details, "”", size="2", color=theme.TEXT_MUTED)
                        ),
                        spacing="0",
                        flex_grow="1",
                    ),
                    rx.button(
                        "Dismiss report",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        on_click=ModerationState.dismiss_report(report.id),
                        custom_attrs={"data-action": "dismiss"},
                    ),
                    align="start",
                    width="100%",
                    custom_attrs={"data-testid": "queue-report"},
                ),
            ),
            spacing="2",
            width="100%",
        ),
    )


def history_block(item) -> rx.Component:
    return rx.cond(
        item.history.length() > 0,
        rx.el.details(
            rx.el.summary("Earlier decisions (", item.history.length().to_string(), ")"),
            rx.foreach(
                item.history,
                lambda entry: rx.text(
                    entry.when_label,
                    " · ",
                    entry.action_label,
                    " by ",
                    entry.actor_name,
                    rx.cond(entry.reason != "", ": " + entry.reason, ""),
                    size="2",
                    color=theme.TEXT_MUTED,
                ),
            ),
            font_size="0.9rem",
        ),
    )


def product_actions(item) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.checkbox(
                "Select",
                checked=ModerationState.selected.contains(item.subject_id),
                on_change=lambda checked: ModerationState.toggle_selected(item.subject_id, checked),
                custom_attrs={"data-action": "select"},
                aria_label="Select " + item.title,
            ),
            rx.button(
                rx.cond(item.pending, "Approve", rx.cond(item.edited, "Approve changes", "Keep (dismiss reports)")),
                color_scheme="green",
                on_click=ModerationState.approve(item.subject_id),
                custom_attrs={"data-action": "approve"},
            ),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        reason_form(
            item,
            id_name="product_id",
            on_submit=ModerationState.reject,
            label="Reason for rejecting",
            button="Reject",
            placeholder="Reason shown to the seller",
        ),
        spacing="2",
        width="100%",
    )


def review_actions(item) -> rx.Component:
    return reason_form(
        item,
        id_name="review_id",
        on_submit=ModerationState.hide_review,
        label="Reason for hiding the review",
        button="Hide review",
        placeholder="Why the review is hidden",
    )


def queue_item(item) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.badge(item.kind, color_scheme=rx.match(item.kind, *KIND_BADGES.items(), "gray"), variant="soft"),
                rx.cond(item.pending, rx.badge("Awaiting approval", color_scheme="amber", variant="soft")),
                rx.cond(item.edited, rx.badge("Edited since approval", color_scheme="amber", variant="soft")),
                rx.cond(
                    item.flagged,
                    rx.badge(
                        rx.icon("triangle-alert", size=12),
                        "Flagged",
                        color_scheme="red",
                        custom_attrs={"data-testid": "queue-flagged"},
                    ),
                ),
                rx.cond(item.age_label != "", rx.text("waiting ", item.age_label, size="1", color=theme.TEXT_MUTED)),
                gap="0.5rem",
                align="center",
                wrap="wrap",
            ),
            rx.heading(rx.link(item.title, href=item.url, target="_blank"), as_="h2", size="4"),
            rx.text(item.subtitle, size="2", color=theme.TEXT_MUTED),
            rx.cond(item.rating > 0, stars(item.rating, size="2")),
            written_text(item.body, test_id="queue-body"),
            rx.cond(
                item.flags.length() > 0,
                rx.vstack(
                    rx.foreach(
                        item.flags,
                        lambda flag: rx.hstack(
                            rx.icon("triangle-alert", size=14, color=theme.DANGER_TEXT, flex_shrink="0"),
                            rx.text(flag, size="2", color=theme.DANGER_TEXT),
                            spacing="1",
                            align="center",
                        ),
                    ),
                    spacing="1",
                ),
            ),
            reports_block(item),
            history_block(item),
            rx.match(
                item.kind,
                ("product", product_actions(item)),
                ("review", review_actions(item)),
                ("delivery", rx.link("Open the order", href=item.manage_url, size="2")),
                rx.link("Open the seller in Users", href=item.manage_url, size="2"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        tab_index=0,
        custom_attrs={"data-queue-item": item.key, "data-testid": "queue-item"},
        aria_label=item.kind + ": " + item.title,
    )


@admin_page(
    routes.ADMIN,
    title="Moderation queue",
    description="Moderate products, reviews and reports, and manage the marketplace.",
    on_load=ModerationState.load,
)
def admin_home() -> rx.Component:
    return rx.vstack(
        admin_header(
            "Moderation queue",
            routes.ADMIN,
            "Flagged items first, then the longest waiting. Keys: j / k next and previous, "
            "a approve, x select, r reason.",
        ),
        filters(),
        form_notice(ModerationState.notice, id="queue-notice"),
        form_error(ModerationState.error, id="queue-error"),
        bulk_bar(),
        listed(
            ModerationState.items,
            rx.vstack(rx.foreach(ModerationState.items, queue_item), spacing="3", width="100%", id="queue"),
            loaded=ModerationState.loaded,
            empty=empty_state(
                "shield-check",
                "Nothing to review",
                "New products, reports from buyers and sellers, and shops above the quality thresholds appear here.",
                id="admin-empty",
            ),
        ),
        pager(
            ModerationState.pagination,
            id="queue-pager",
            query="?kind=" + ModerationState.kind + "&age=" + ModerationState.age + "&",
        ),
        rx.script(QUEUE_KEYS_SCRIPT),
        spacing=theme.GAP,
        width="100%",
    )
