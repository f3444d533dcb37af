"""Every admin page is registered through `admin_page`, whose on_load first checks the
session and sends anonymous visitors to sign in (and the page body shows only to admins)."""

from reflex_base.registry import RegistrationContext

import storefront.storefront  # noqa: F401  (registers every page)
from state.session import SessionState

ADMIN_ROUTES = {
    "/admin",
    "/admin/users",
    "/admin/orders",
    "/admin/payouts",
    "/admin/shops",
    "/admin/settings",
    "/admin/audit",
}


def registered_pages() -> dict[str, dict]:
    return {
        kwargs["route"]: kwargs
        for _, kwargs in RegistrationContext.ensure_context().decorated_pages
        if isinstance(kwargs.get("route"), str)
    }


def test_every_admin_route_checks_the_session_first():
    pages = registered_pages()
    admin_routes = {route for route in pages if route.strip("/").split("/")[0] == "admin"}
    assert admin_routes == ADMIN_ROUTES
    for route in admin_routes:
        first = pages[route]["on_load"][0]
        assert getattr(first, "fn", None) is SessionState.require_signed_in.fn, route
