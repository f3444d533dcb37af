"""Every admin page is made by `admin_page`, whose on_load first checks the session and
sends anonymous visitors to sign in (and the page body shows only to admins)."""

from reflex_base.registry import RegistrationContext

from state.shell import ShellState
from storefront.storefront import PAGES

ADMIN_ROUTES = {
    "/admin",
    "/admin/users",
    "/admin/orders",
    "/admin/payouts",
    "/admin/shops",
    "/admin/settings",
    "/admin/audit",
    "/admin/leaks",
    "/admin/privacy",
    "/admin/flags",
}


def test_every_admin_route_checks_the_session_first():
    pages = {page.route: page for page in PAGES}
    admin_routes = {route for route in pages if route.strip("/").split("/")[0] == "admin"}
    assert admin_routes == ADMIN_ROUTES
    for route in admin_routes:
        first = pages[route].on_load[0]
        assert getattr(first, "fn", None) is ShellState.open_signed_in_page.fn, route


def test_no_page_goes_around_the_app_page_list():
    # A page in Reflex's global rx.page registry would escape this check (and is added
    # again at every compile, which the production start does twice).
    assert RegistrationContext.ensure_context().decorated_pages == []
