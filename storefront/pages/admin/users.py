"""Admin: find people, see their shop, orders and reports; suspend or reinstate a seller; promote an admin."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.models import UserRole
from components import theme
from components.admin import admin_header, cell_table
from components.forms import action_row, form_error, form_notice, reason_field, search_form
from components.i18n import bt
from components.pager import pager
from components.studio import dropdown
from state.admin import AdminUsersState
from storefront.layout import admin_page

ROLE_FILTER = [
    ("", bo_N_("Any role")),
    (UserRole.BUYER, bo_N_("Buyers")),
    (UserRole.SELLER, bo_N_("Sellers")),
    (UserRole.ADMIN, bo_N_("Admins")),
]
# Words stored as tokens (roles, what a report is about, its status), as the admin reads them.
ROLE_NAMES = {UserRole.BUYER: bo_N_("buyer"), UserRole.SELLER: bo_N_("seller"), UserRole.ADMIN: bo_N_("admin")}
REPORT_SUBJECTS = {"product": bo_N_("product"), "review": bo_N_("review")}
REPORT_STATUSES = {"open": bo_N_("open"), "dismissed": bo_N_("dismissed"), "actioned": bo_N_("actioned")}


def _named(value: rx.Var, names: dict[str, str]) -> rx.Var:
    return rx.match(value, *[(token, bt(name)) for token, name in names.items()], value)


D = AdminUsersState.detail


def _search() -> rx.Component:
    return search_form(
        on_submit=AdminUsersState.search,
        id="user-search",
        value=AdminUsersState.query,
        placeholder=bt("Email, name or shop"),
        label=bt("Search users"),
        filters=(
            rx.box(
                dropdown(
                    [(role, bt(name)) for role, name in ROLE_FILTER],
                    name="role",
                    id="user-role",
                    default_value=AdminUsersState.role,
                    label=bt("Role"),
                ),
                min_width="9rem",
            ),
        ),
    )


def user_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.button(
                row.display_name,
                variant="ghost",
                on_click=AdminUsersState.open_user(row.id),
                custom_attrs={"data-testid": "user-open"},
            )
        ),
        rx.table.cell(row.email),
        rx.table.cell(rx.badge(_named(row.role, ROLE_NAMES), variant="soft")),
        rx.table.cell(
            rx.cond(
                row.shop_name != "",
                rx.hstack(
                    rx.link(row.shop_name, href=routes.fill(routes.SHOP, shop_slug=row.shop_slug)),
                    rx.cond(row.shop_suspended, rx.badge(bt("suspended"), color_scheme="red")),
                    spacing="1",
                ),
                "–",
            )
        ),
        rx.table.cell(row.order_count.to_string()),
        rx.table.cell(row.reports_filed.to_string(), " / ", row.reports_received.to_string()),
        rx.table.cell(row.joined_label),
    )


def suspension_dialog() -> rx.Component:
    """Asks before suspending, as refunds do: what happens to the shop, its live products and payouts."""
    impact = AdminUsersState.suspension
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(bt("Suspend {shop}?", shop=impact.shop_name)),
            rx.alert_dialog.description(
                bt("This takes effect at once. You can reinstate the seller later."),
                size="2",
            ),
            rx.el.ul(
                rx.el.li(bt("The shop's page tells buyers it is unavailable.")),
                rx.el.li(AdminUsersState.suspension_products, id="suspend-products"),
                rx.el.li(
                    rx.cond(
                        impact.balances.length() > 0,
                        bt(
                            "Payouts: {amounts} stay owed to the seller; suspension does not stop or cancel them.",
                            amounts=impact.balances.join("; "),
                        ),
                        bt("Payouts: nothing is owed to the seller."),
                    ),
                    id="suspend-payouts",
                ),
                rx.el.li(bt("The seller can still sign in, but cannot publish.")),
                style={"padding_left": "1.25rem", "margin": "0.75rem 0"},
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(bt("Keep the shop open"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(bt("Suspend seller"), color_scheme="red", on_click=AdminUsersState.confirm_suspension)
                ),
                gap="0.75rem",
                justify="end",
                wrap="wrap",
                margin_top="1rem",
            ),
            id="suspend-confirm",
        ),
        open=AdminUsersState.confirming_suspension,
        on_open_change=AdminUsersState.set_confirming_suspension,
    )


def detail_panel() -> rx.Component:
    user = D.user
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(user.display_name, as_="h2", size="5", id="user-detail-name"),
                rx.badge(_named(user.role, ROLE_NAMES), variant="soft", id="user-detail-role"),
                rx.cond(
                    user.shop_suspended, rx.badge(bt("Shop suspended"), color_scheme="red", id="user-detail-suspended")
                ),
                rx.spacer(),
                rx.button(bt("Close"), variant="soft", size="1", on_click=AdminUsersState.close_user),
                align="center",
                spacing="2",
                width="100%",
                wrap="wrap",
            ),
            rx.text(bt("{email} · joined {date}", email=user.email, date=user.joined_label), color=theme.TEXT_MUTED),
            form_notice(AdminUsersState.notice, id="user-notice"),
            form_error(AdminUsersState.error, id="user-action-error"),
            rx.cond(
                user.shop_id,
                rx.vstack(
                    rx.text(
                        bt("Shop:"),
                        " ",
                        rx.link(user.shop_name, href=routes.fill(routes.SHOP, shop_slug=user.shop_slug)),
                    ),
                    rx.form(
                        action_row(
                            reason_field(
                                id="seller-reason",
                                placeholder=rx.cond(
                                    user.shop_suspended, bt("Note (optional)"), bt("Why the seller is suspended")
                                ),
                                label=bt("Reason"),
                            ),
                            rx.cond(
                                user.shop_suspended,
                                rx.button(
                                    bt("Reinstate seller"), type="submit", color_scheme="green", id="seller-reinstate"
                                ),
                                rx.button(bt("Suspend seller"), type="submit", color_scheme="red", id="seller-suspend"),
                            ),
                        ),
                        on_submit=AdminUsersState.change_suspension,
                        key=AdminUsersState.form_key.to_string(),
                        width="100%",
                    ),
                    rx.text(
                        bt(
                            "Suspension hides the shop and its products from buyers and search within seconds; "
                            "buyers keep what they bought. You will be asked to confirm."
                        ),
                        size="1",
                        color=theme.TEXT_MUTED,
                    ),
                    rx.cond(AdminUsersState.suspension, suspension_dialog()),
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.cond(
                user.role != UserRole.ADMIN,
                rx.button(
                    bt("Make administrator"), variant="soft", on_click=AdminUsersState.promote, id="user-promote"
                ),
            ),
            rx.heading(bt("Orders"), as_="h3", size="3"),
            rx.cond(
                D.orders.length() > 0,
                cell_table(
                    [bo_N_("Order"), bo_N_("Status"), bo_N_("Total"), bo_N_("Date")],
                    D.orders,
                    lambda o: rx.table.row(
                        rx.table.cell(rx.link(o.reference, href=routes.ADMIN_ORDERS + "?ref=" + o.reference)),
                        rx.table.cell(o.status_label),
                        rx.table.cell(o.total_label),
                        rx.table.cell(o.date_label),
                    ),
                    id="user-orders",
                ),
                rx.text(bt("No orders."), color=theme.TEXT_MUTED),
            ),
            rx.heading(bt("Reports about this user's products and reviews"), as_="h3", size="3"),
            report_list(D.reports_received, "user-reports-received"),
            rx.heading(bt("Reports this user filed"), as_="h3", size="3"),
            report_list(D.reports_filed, "user-reports-filed"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="user-detail",
    )


def report_list(reports, id: str) -> rx.Component:
    return rx.cond(
        reports.length() > 0,
        cell_table(
            [bo_N_("Date"), bo_N_("About"), bo_N_("Reason"), bo_N_("Details"), bo_N_("Status")],
            reports,
            lambda r: rx.table.row(
                rx.table.cell(r.date_label),
                rx.table.cell(_named(r.subject, REPORT_SUBJECTS), ": ", r.product_title),
                rx.table.cell(r.reason_label),
                rx.table.cell(r.details),
                rx.table.cell(_named(r.status, REPORT_STATUSES)),
            ),
            id=id,
        ),
        rx.text(bt("None."), color=theme.TEXT_MUTED),
    )


@admin_page(
    routes.ADMIN_USERS,
    title=bo_N_("Users"),
    description=bo_N_("Find and manage marketplace users."),
    on_load=AdminUsersState.load,
)
def admin_users() -> rx.Component:
    return rx.vstack(
        admin_header(bt("Users"), routes.ADMIN_USERS),
        _search(),
        form_error(AdminUsersState.search_error, id="users-error"),
        rx.cond(D, detail_panel()),
        cell_table(
            [
                bo_N_("Name"),
                bo_N_("Email"),
                bo_N_("Role"),
                bo_N_("Shop"),
                bo_N_("Orders"),
                bo_N_("Reports filed / about them"),
                bo_N_("Joined"),
            ],
            AdminUsersState.rows,
            user_row,
            id="users-table",
        ),
        pager(
            AdminUsersState.pagination,
            id="users-pager",
            query="?q=" + AdminUsersState.query + "&role=" + AdminUsersState.role + "&",
        ),
        spacing=theme.GAP,
        width="100%",
    )
