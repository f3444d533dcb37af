"""Page templates: decorators that make a `Page` with the chrome and the guards.

    @shop_page(routes.HOME, title="…", description="…", on_load=HomeState.load)
    def home() -> rx.Component: ...

`home` is then a `Page`, which `storefront.storefront` adds to the app (`app.add_page`).
Nothing is registered by importing a page module: Reflex's global `rx.page` registry is
applied at every compile, and the production start compiles twice (redefinition warnings).

- shop_page: navbar + content + footer, open to everyone.
- library_page: the same chrome, for signed-in users (library, account).
- seller_page: for users with a shop (the seller studio).
- admin_page: for administrators.

Every page resolves the session on load. Guarded pages send anonymous visitors
to `/login?next=<page>`; a signed-in user without the role gets a clear "not
allowed" panel. The guard is only the page's manners: every service checks the
actor's permission itself, since any client can send any event.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import reflex as rx

import routes
from components import theme
from components.buttons import link_button
from components.early_typing import early_typing_replay
from components.empty_state import empty_state
from components.footer import footer
from components.head import served_head_handover
from components.i18n import bt, document_language, language_menu, t
from components.loading import once_loaded
from components.navbar import navbar
from components.product_card import product_listing
from components.search import quick_search_box
from state.cart import CartState
from state.catalog import CatalogListingState
from state.i18n import I18nState
from state.language import LanguageState
from state.notifications import NotificationsState
from state.search import QuickSearchState
from state.session import SessionState
from state.shell import ShellState

PageFunction = Callable[[], rx.Component]
# An event handler, an EventSpec, or a list of them (as rx.page accepts).
OnLoad = Any


@dataclass(frozen=True)
class Page:
    """A page for `app.add_page`: the shell around the page's content, and its head."""

    route: str
    component: PageFunction
    title: str | rx.Var
    description: str | rx.Var
    on_load: list
    meta: list

    def add_to(self, app: rx.App) -> None:
        app.add_page(
            self.component,
            route=self.route,
            title=self.title,
            description=self.description,
            on_load=self.on_load,
            meta=self.meta,
        )


def _on_load_list(on_load: OnLoad) -> list:
    if on_load is None:
        return []
    if isinstance(on_load, Sequence):
        return list(on_load)
    return [on_load]


def quick_search(route: str) -> rx.Component:
    """The navbar's box. Only the results page fills it in (with the search it shows):
    on every other page it starts empty, whatever was searched before."""
    return quick_search_box(
        text=QuickSearchState.text if route == routes.SEARCH else "",
        results=QuickSearchState.results,
        is_open=QuickSearchState.open,
        on_type=QuickSearchState.type_text,
        on_submit=QuickSearchState.submit,
        on_blur=QuickSearchState.close_soon,
        on_focus=QuickSearchState.reopen,
        on_pick=QuickSearchState.picked,
        see_all_url=QuickSearchState.see_all_url,
        reset_key=QuickSearchState.box,
    )


def _language_menu(reload: list, id: str) -> rx.Component:
    """The language menu: the choice applies at once, then the page's own loaders run again
    for the text the server formats (prices, dates); the cart and forms stay as they are."""
    return language_menu(lambda code: [I18nState.choose(code), *reload], id=id)


def _shell(content: rx.Component, route: str, reload: list) -> rx.Component:
    return rx.flex(
        document_language(),
        served_head_handover(),
        early_typing_replay(),
        rx.el.a(t("Skip to content"), href="#main", class_name="skip-link"),
        navbar(
            languages=_language_menu(reload, "language-menu"),
            cart_count=CartState.count,
            signed_in=SessionState.is_signed_in,
            display_name=SessionState.display_name,
            has_shop=SessionState.has_shop,
            is_admin=SessionState.is_admin,
            unread_notifications=NotificationsState.unread,
            on_sign_out=SessionState.logout,
            search=quick_search(route),
            login_href=SessionState.sign_in_here,
        ),
        rx.el.main(
            content,
            id="main",
            width="100%",
            max_width=theme.CONTENT_MAX_WIDTH,
            margin_x="auto",
            padding_x=theme.PAGE_PADDING_X,
            padding_y=theme.PAGE_PADDING_Y,
            flex_grow="1",
        ),
        footer(languages=_language_menu(reload, "footer-language-menu")),
        _live_toasts(),
        direction="column",
        min_height="100vh",
        background_color="var(--color-background)",
    )


def _live_toasts() -> rx.Component:
    """New notifications for a few seconds in the corner, announced politely to screen readers."""
    return rx.box(
        rx.foreach(
            NotificationsState.toasts,
            lambda toast: rx.card(
                rx.hstack(
                    rx.vstack(
                        rx.text(toast["title"], weight="bold", size="2"),
                        rx.text(toast["body"], size="2", color=theme.TEXT_MUTED),
                        spacing="1",
                    ),
                    rx.icon_button(
                        rx.icon("x", size=14),
                        on_click=NotificationsState.dismiss_toast(toast["key"]),
                        variant="ghost",
                        size="1",
                        aria_label=t("Dismiss"),
                    ),
                    justify="between",
                    align="start",
                    width="100%",
                ),
                width="20rem",
                max_width="calc(100vw - 2rem)",
                custom_attrs={"data-testid": "live-toast"},
            ),
        ),
        role="status",
        aria_live="polite",
        position="fixed",
        bottom="1rem",
        inset_inline_end="1rem",
        z_index="50",
        display="flex",
        flex_direction="column",
        gap="0.5rem",
    )


def column(*children: rx.Component, max_width: str, spacing: str = theme.GAP_SECTION) -> rx.Component:
    """A page's content in one centred column no wider than `max_width` (forms, a receipt, a library)."""
    return rx.vstack(*children, spacing=spacing, width="100%", max_width=max_width, margin_x="auto")


def _checking_session() -> rx.Component:
    # Shown until the session check has run (and while an anonymous visitor is
    # being sent to the sign-in page), so protected content never flashes. As tall as the
    # screen, as the page's own loading is (components.loading): the footer stays out of view.
    return rx.center(
        rx.hstack(
            rx.spinner(size="3"),
            rx.text(t("Checking your session…"), color=theme.TEXT_MUTED),
            align="center",
            spacing="3",
        ),
        id="checking-session",
        padding_y="4rem",
        width="100%",
        min_height="100vh",
        align_items="start",
    )


def _not_allowed(title: rx.Var, body: rx.Var, action: rx.Component) -> rx.Component:
    return empty_state("lock", title, body, action=action, id="not-allowed")


def _make_page(
    route: str,
    title: str | rx.Var,
    description: str | rx.Var,
    on_load: list,
    body: Callable[[PageFunction], rx.Component],
    meta: Sequence[rx.Component] = (),
    reload: Sequence = (),
    translate: Callable[[str], rx.Var] = t,
) -> Callable[[PageFunction], Page]:
    """The page at `route`: the shell around `body(render)`.

    `title` and `description` may be state vars (a product page's own title); an English
    `title` (marked with N_ where it is written) is shown in the tab's language through
    `translate`. `meta` adds further tags such as Open Graph ones; `reload` are the page's
    own loaders, run again when the language changes.
    """

    def decorator(render: PageFunction) -> Page:
        @functools.wraps(render)
        def page() -> rx.Component:
            return _shell(body(render), route, list(reload))

        if isinstance(title, rx.Var):
            # The brand alone until the page's data has come (not " · Marketplace").
            shown_title = rx.cond(title, title + f" · {theme.BRAND_NAME}", theme.BRAND_NAME)
        else:
            shown_title = translate(title) + f" · {theme.BRAND_NAME}"
        return Page(
            route=route,
            component=page,
            title=shown_title,
            description=description,
            on_load=on_load,
            meta=list(meta),
        )

    return decorator


def open_graph(title: str | rx.Var, description: str | rx.Var) -> list[rx.Component]:
    """The Open Graph title and description, for pages whose own title is worth sharing."""
    return [
        rx.el.meta(property="og:title", content=title),
        rx.el.meta(property="og:description", content=description),
    ]


def shop_page(
    route: str,
    *,
    title: str | rx.Var,
    description: str | rx.Var,
    on_load: OnLoad = None,
    meta: Sequence[rx.Component] = (),
):
    return _make_page(
        route,
        title,
        description,
        # The language settles after the session (an account's language wins over the cookie).
        [ShellState.open_shop_page, I18nState.settle, *_on_load_list(on_load)],
        lambda render: render(),
        meta=meta,
        reload=_on_load_list(on_load),
    )


def _signed_in_page(
    route: str,
    title: str,
    description: str,
    on_load: OnLoad,
    *,
    allowed: rx.Var = SessionState.is_signed_in,
    refused: rx.Component | None = None,
    backoffice: bool = False,
):
    """A page for signed-in users (`allowed` among them; the others see `refused`)."""

    def body(render: PageFunction) -> rx.Component:
        if refused is None:
            return rx.cond(allowed, render(), _checking_session())
        return rx.cond(allowed, render(), rx.cond(SessionState.is_signed_in, refused, _checking_session()))

    catalogs = [LanguageState.load_backoffice] if backoffice else []
    return _make_page(
        route,
        title,
        description,
        [ShellState.open_signed_in_page, I18nState.settle, *catalogs, *_on_load_list(on_load)],
        body,
        reload=_on_load_list(on_load),
        translate=bt if backoffice else t,
    )


def library_page(route: str, *, title: str, description: str, on_load: OnLoad = None):
    return _signed_in_page(route, title, description, on_load)


def seller_page(route: str, *, title: str, description: str, on_load: OnLoad = None):
    refused = _not_allowed(
        t("The seller studio is for shop owners"),
        t("Open a shop from your account page to sell your digital products here."),
        link_button(t("Open a shop"), routes.ACCOUNT + "#open-shop", id="not-allowed-action"),
    )
    return _signed_in_page(
        route, title, description, on_load, allowed=SessionState.has_shop, refused=refused, backoffice=True
    )


def admin_page(route: str, *, title: str, description: str, on_load: OnLoad = None):
    refused = _not_allowed(
        t("This area is for administrators"),
        t("Your account does not have access to the admin console."),
        link_button(t("Back to the shop"), routes.HOME, id="not-allowed-action", primary=False),
    )
    # An administrator without a second factor is sent to set one up (and acts as a buyer until then).
    guarded = [SessionState.require_admin_second_factor, *_on_load_list(on_load)]
    return _signed_in_page(
        route, title, description, guarded, allowed=SessionState.is_admin, refused=refused, backoffice=True
    )


def listing_page(
    route: str,
    state: type[CatalogListingState],
    *,
    header: Callable[[], rx.Component],
    empty: rx.Component,
    missing: rx.Component,
    id: str,
) -> Page:
    """A category's or a shop's page: `header`, a page of its products and the pager; `missing`
    when the address names none."""

    @shop_page(
        route,
        title=state.page_title,
        description=state.meta_description,
        meta=open_graph(state.page_title, state.meta_description),
        on_load=state.load,
    )
    def listing() -> rx.Component:
        found = product_listing(state.products, state.pagination, header=header(), empty=empty, id=id)
        return once_loaded(state.loaded_here, found, not_found=state.not_found, missing=missing)

    return listing
