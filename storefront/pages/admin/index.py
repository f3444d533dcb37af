"""The admin console's front page: the moderation queue.

Keyboard: every control is a native button, link, checkbox or form field in reading
order; besides, j / k move between items, a approves the focused product, x ticks
it for a bulk decision and r jumps to its reason field (see QUEUE_KEYS_SCRIPT).
"""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.moderation.queue import AGES
from components import theme
from components.admin import admin_header
from components.empty_state import empty_state
from components.forms import action_row, form_error, form_notice, reason_field
from components.i18n import bt
from components.loading import listed
from components.pager import pager
from components.rating import stars
from components.rich_text import written_text
from components.studio import dropdown
from state.moderation import ModerationState
from storefront.layout import admin_page

KIND_TABS = [
    ("all", bo_N_("Everything")),
    ("product", bo_N_("Products")),
    ("review", bo_N_("Reviews")),
    ("shop", bo_N_("Shops")),
    ("delivery", bo_N_("Not delivered")),
]
# An item's kind as its badge names it.
KIND_NAMES = {
    "product": bo_N_("product"),
    "review": bo_N_("review"),
    "shop": bo_N_("shop"),
    "delivery": bo_N_("delivery"),
}
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
                    bt(label),
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
            aria_label=bt("Kind of item"),
        ),
        rx.hstack(
            rx.el.label(bt("Waiting"), html_for="queue-age", font_size="0.9rem"),
            rx.box(
                dropdown(
                    [(age, bt(label)) for age, label in AGES.items()],
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
                rx.text(bt("{count} selected", count=count), weight="bold", id="bulk-count"),
                rx.button(
                    bt("Approve selected"),
                    on_click=ModerationState.bulk_approve,
                    color_scheme="green",
                    id="bulk-approve",
                ),
                rx.form(
                    rx.hstack(
                        reason_field(
                            id="bulk-reason",
                            placeholder=bt("Reason shown to the sellers"),
                            label=bt("Reason for rejecting the selected products"),
                            min_width="14rem",
                            flex_grow="0",
                        ),
                        rx.button(bt("Reject selected"), type="submit", color_scheme="red", id="bulk-reject"),
                        spacing="2",
                    ),
                    on_submit=ModerationState.bulk_reject,
                ),
                rx.button(bt("Clear"), variant="soft", on_click=ModerationState.clear_selection),
                gap="0.75rem",
                align="center",
                wrap="wrap",
            ),
            width="100%",
            id="bulk-bar",
        ),
    )


def reason_form(
    item, *, id_name: str, on_submit, action: str, label: rx.Var, button: rx.Var, placeholder: rx.Var
) -> rx.Component:
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
            rx.text(bt("Newest reports ({count} open)", count=item.report_count), size="2", weight="bold"),
            rx.foreach(
                item.reports,
                lambda report: rx.hstack(
                    rx.vstack(
                        rx.text(
                            rx.text.strong(report.reason_label),
                            " · ",
                            bt(
                                "{name} ({email}) · {when}",
                                name=report.reporter_name,
                                email=report.reporter_email,
                                when=report.when_label,
                            ),
                            size="2",
                        ),
                        rx.cond(
                            report.details != "", rx.text("“", report.details, "”", size="2", color=theme.TEXT_MUTED)
                        ),
                        spacing="0",
                        flex_grow="1",
                    ),
                    rx.button(
                        bt("Dismiss report"),
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
            rx.el.summary(bt("Earlier decisions ({count})", count=item.history.length())),
            rx.foreach(
                item.history,
                lambda entry: rx.text(
                    rx.cond(
                        entry.reason != "",
                        bt(
                            "{when} · {action} by {name}: {reason}",
                            when=entry.when_label,
                            action=entry.action_label,
                            name=entry.actor_name,
                            reason=entry.reason,
                        ),
                        bt(
                            "{when} · {action} by {name}",
                            when=entry.when_label,
                            action=entry.action_label,
                            name=entry.actor_name,
                        ),
                    ),
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
                bt("Select"),
                checked=ModerationState.selected.contains(item.subject_id),
                on_change=lambda checked: ModerationState.toggle_selected(item.subject_id, checked),
                custom_attrs={"data-action": "select"},
                aria_label=bt("Select {title}", title=item.title),
            ),
            rx.button(
                rx.cond(
                    item.pending,
                    bt("Approve"),
                    rx.cond(item.edited, bt("Approve changes"), bt("Keep (dismiss reports)")),
                ),
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
            action="reject",
            label=bt("Reason for rejecting"),
            button=bt("Reject"),
            placeholder=bt("Reason shown to the seller"),
        ),
        spacing="2",
        width="100%",
    )


def review_actions(item) -> rx.Component:
    return reason_form(
        item,
        id_name="review_id",
        on_submit=ModerationState.hide_review,
        action="hide",
        label=bt("Reason for hiding the review"),
        button=bt("Hide review"),
        placeholder=bt("Why the review is hidden"),
    )


def kind_name(item) -> rx.Var:
    return rx.match(item.kind, *[(kind, bt(name)) for kind, name in KIND_NAMES.items()], item.kind)


def queue_item(item) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.badge(
                    kind_name(item), color_scheme=rx.match(item.kind, *KIND_BADGES.items(), "gray"), variant="soft"
                ),
                rx.cond(item.pending, rx.badge(bt("Awaiting approval"), color_scheme="amber", variant="soft")),
                rx.cond(item.edited, rx.badge(bt("Edited since approval"), color_scheme="amber", variant="soft")),
                rx.cond(
                    item.flagged,
                    rx.badge(
                        rx.icon("triangle-alert", size=12),
                        bt("Flagged"),
                        color_scheme="red",
                        custom_attrs={"data-testid": "queue-flagged"},
                    ),
                ),
                rx.cond(
                    item.age_label != "",
                    rx.text(bt("waiting {age}", age=item.age_label), size="1", color=theme.TEXT_MUTED),
                ),
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
                ("delivery", rx.link(bt("Open the order"), href=item.manage_url, size="2")),
                rx.link(bt("Open the seller in Users"), href=item.manage_url, size="2"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        tab_index=0,
        custom_attrs={"data-queue-item": item.key, "data-testid": "queue-item"},
        aria_label=bt("{kind}: {title}", kind=kind_name(item), title=item.title),
    )


@admin_page(
    routes.ADMIN,
    title=bo_N_("Moderation queue"),
    description=bo_N_("Moderate products, reviews and reports, and manage the marketplace."),
    on_load=ModerationState.load,
)
def admin_home() -> rx.Component:
    return rx.vstack(
        admin_header(
            bt("Moderation queue"),
            routes.ADMIN,
            bt(
                "Flagged items first, then the longest waiting. Keys: j / k next and previous, "
                "a approve, x select, r reason."
            ),
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
                bt("Nothing to review"),
                bt(
                    "New products, reports from buyers and sellers, and shops above the quality thresholds appear here."
                ),
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
