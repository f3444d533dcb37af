"""The top bar: brand, search, colour mode, cart and the account menu.

It takes vars (who is signed in, the cart count) and the sign-out event from the
layout, so it renders the same for any state behind it.
"""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import N_
from components import theme
from components.buttons import link_button
from components.forms import get_form
from components.i18n import t

BoolLike = bool | rx.Var
IntLike = int | rx.Var
TextLike = str | rx.Var


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.center(
                rx.icon("shopping-bag", size=18, color="white"),
                width="32px",
                height="32px",
                border_radius=theme.RADIUS_CONTROL,
                background_color=theme.PRIMARY,
            ),
            # On a phone the mark alone: with the name, a signed-in visitor's actions (one
            # more icon than a guest's) wrapped onto a row of their own below 412 px, so the
            # header grew when the app learnt who was signed in, moving the page beneath.
            rx.text(
                theme.BRAND_NAME,
                weight="bold",
                size="4",
                color=theme.BRAND_TEXT,
                display=rx.breakpoints(initial="none", xs="block"),
            ),
            align="center",
            spacing="2",
        ),
        href=routes.HOME,
        underline="none",
        id="brand-home",
        aria_label=t("{brand} home", brand=theme.BRAND_NAME),
    )


def search_box() -> rx.Component:
    return get_form(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            id="navbar-search",
            name="q",
            type="search",
            placeholder=t("Search products"),
            aria_label=t("Search products"),
            auto_complete="off",
            size="3",
            width="100%",
            radius="full",
        ),
        action=routes.SEARCH,
        role="search",
        aria_label=t("Products"),
        width="100%",
    )


def cart_link(count: IntLike) -> rx.Component:
    count_var = rx.Var.create(count)
    # The name holds the count the badge shows (voice control users say what they see).
    name = rx.cond(
        count_var > 0,
        rx.cond(count_var == 1, t("Cart, 1 item"), t("Cart, {count} items", count=count_var)),
        t("Cart"),
    )
    return rx.link(
        rx.box(
            rx.icon("shopping-cart", size=20),
            rx.cond(
                count_var > 0,
                rx.badge(
                    count_var,
                    id="cart-count",
                    variant="solid",
                    radius="full",
                    position="absolute",
                    top="-6px",
                    inset_inline_end="-10px",
                    style={"background_color": theme.CTA, "color": theme.CTA_TEXT},
                ),
            ),
            position="relative",
            display="flex",
        ),
        href=routes.CART,
        id="cart-link",
        aria_label=name,
        color="inherit",
        padding="0.5rem",
    )


def notifications_link(unread: IntLike) -> rx.Component:
    unread_var = rx.Var.create(unread)
    shown = rx.cond(unread_var > 99, "99+", unread_var.to_string())
    return rx.link(
        rx.box(
            rx.icon("bell", size=20),
            rx.cond(
                unread_var > 0,
                rx.badge(
                    shown,
                    id="notifications-unread",
                    variant="solid",
                    radius="full",
                    position="absolute",
                    top="-6px",
                    inset_inline_end="-10px",
                    color_scheme="red",
                    # White on Radix red-9 is 3.9:1 in dark mode; high contrast keeps 4.5:1 in both.
                    high_contrast=True,
                ),
            ),
            position="relative",
            display="flex",
        ),
        href=routes.NOTIFICATIONS,
        id="notifications-link",
        aria_label=rx.cond(unread_var > 0, t("Notifications, {count} unread", count=shown), t("Notifications")),
        color="inherit",
        padding="0.5rem",
    )


def _menu_link(label: str, href: str, icon: str, id: str) -> rx.Component:
    # A menu item that navigates (a link slotted into the item breaks Radix's Slot).
    return rx.menu.item(
        rx.hstack(rx.icon(icon, size=16), rx.text(t(label)), align="center", spacing="2"),
        id=id,
        on_select=rx.redirect(href),
    )


def account_menu(
    *,
    signed_in: BoolLike,
    display_name: TextLike,
    has_shop: BoolLike,
    is_admin: BoolLike,
    on_sign_out: rx.EventHandler,
    login_href: TextLike = routes.LOGIN,
) -> rx.Component:
    """`login_href`: the sign-in page, returning to the page the visitor is on."""
    signed_in_menu = rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("circle-user", size=18),
                rx.text(
                    display_name,
                    as_="span",
                    max_width="10rem",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                    display=rx.breakpoints(initial="none", sm="block"),
                ),
                rx.icon("chevron-down", size=14),
                id="account-menu",
                variant="ghost",
                color_scheme="gray",
                # Starts with the name it shows (WCAG 2.5.3, label in name); on a phone,
                # where only the icon shows, it still says whose menu it is.
                aria_label=t("{name}, account menu", name=display_name),
            ),
        ),
        rx.menu.content(
            rx.text(
                display_name,
                size="2",
                weight="medium",
                color=theme.TEXT_MUTED,
                padding="0.25rem 0.75rem",
                max_width="14rem",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
            ),
            _menu_link(N_("Your library"), routes.LIBRARY, "library", "menu-library"),
            _menu_link(N_("Your orders"), routes.ORDERS, "receipt", "menu-orders"),
            _menu_link(N_("Account"), routes.ACCOUNT, "settings", "menu-account"),
            rx.cond(has_shop, _menu_link(N_("Seller studio"), routes.SELLER, "store", "menu-seller")),
            rx.cond(has_shop, _menu_link(N_("Analytics"), routes.SELLER_ANALYTICS, "chart-column", "menu-analytics")),
            rx.cond(is_admin, _menu_link(N_("Admin"), routes.ADMIN, "shield", "menu-admin")),
            rx.menu.separator(),
            rx.menu.item(
                rx.hstack(rx.icon("log-out", size=16), rx.text(t("Sign out")), align="center", spacing="2"),
                id="menu-sign-out",
                on_select=on_sign_out,
            ),
            align="end",
        ),
    )
    anonymous_links = rx.hstack(
        rx.link(t("Sign in"), href=login_href, id="nav-login", weight="medium", color="inherit", padding_x="0.5rem"),
        rx.box(
            link_button(t("Register"), routes.REGISTER, id="nav-register", size="2"),
            display=rx.breakpoints(initial="none", sm="block"),
        ),
        align="center",
        spacing="2",
    )
    return rx.cond(signed_in, signed_in_menu, anonymous_links)


def navbar(
    *,
    cart_count: IntLike,
    signed_in: BoolLike,
    display_name: TextLike,
    has_shop: BoolLike,
    is_admin: BoolLike,
    on_sign_out: rx.EventHandler,
    search: rx.Component | None = None,
    unread_notifications: IntLike = 0,
    login_href: TextLike = routes.LOGIN,
    languages: rx.Component | None = None,
) -> rx.Component:
    """`search` replaces the plain search form (the layout passes the as-you-type box);
    `login_href` is the sign-in page returning to the current page; `languages` the language menu."""
    actions = rx.hstack(
        languages if languages is not None else rx.fragment(),
        rx.color_mode.button(
            id="color-mode", aria_label=t("Switch light or dark mode"), variant="ghost", color_scheme="gray"
        ),
        rx.cond(signed_in, notifications_link(unread_notifications)),
        cart_link(cart_count),
        account_menu(
            signed_in=signed_in,
            display_name=display_name,
            has_shop=has_shop,
            is_admin=is_admin,
            on_sign_out=on_sign_out,
            login_href=login_href,
        ),
        align="center",
        spacing="3",
        order=rx.breakpoints(initial="2", md="3"),
        margin_inline_start="auto",
    )
    return rx.el.header(
        rx.flex(
            brand(),
            rx.box(
                search if search is not None else search_box(),
                order=rx.breakpoints(initial="3", md="2"),
                width=rx.breakpoints(initial="100%", md="auto"),
                flex_grow="1",
                max_width=rx.breakpoints(initial="none", md="32rem"),
                margin_x=rx.breakpoints(initial="0", md="1.5rem"),
            ),
            actions,
            align="center",
            wrap="wrap",
            row_gap="0.75rem",
            max_width=theme.CONTENT_MAX_WIDTH,
            margin_x="auto",
            padding_x=theme.PAGE_PADDING_X,
            padding_y="0.75rem",
        ),
        id="navbar",
        position="sticky",
        top="0",
        z_index="10",
        border_bottom=f"1px solid {theme.BORDER}",
        background_color="var(--color-background)",
    )
