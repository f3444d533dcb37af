"""The buyer's library painted from its document, before the app's scripts run.

The build prerenders `/library` as "Checking your session…": what the page shows (the rows of
what the buyer owns, or the empty library) came with the first state delta, after the scripts
had arrived and run and the session check and the library's read had answered (Lighthouse on a
phone: first contentful paint and LCP 2.8 s, both that delta). The served document now carries
the page's heading, its search box and its first rows as HTML, read for the visitor the session
cookie names (as `session_user_id` reads it: nothing is refreshed or rotated here), with the
address's search and page, in the request's language; the scripts start after that first frame
(`storefront.first_paint`). The page's own rows replace the screen once drawn.

The screen lies over the page below its header (`first_paint.BELOW_HEADER_STYLE`), in the
page's column. A visitor without a live session, or a search that matches nothing, gets the
page as built. The document names one buyer's purchases: it is sent `private`, never stored by
a shared cache.
"""

from __future__ import annotations

import html
import logging
from urllib.parse import parse_qs

from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send

import routes
from commerce import accounts, i18n
from commerce.delivery import library
from commerce.delivery.library import LibraryItem, LibraryView
from components.theme import CTA, CTA_TEXT
from state import service_call
from state.page import parse_page_number
from storefront.first_paint import BELOW_HEADER_STYLE, FOLD_ID, with_first_paint
from storefront.page_status import send_rewritten, session_token

LIBRARY_PATHS = (routes.LIBRARY, routes.LIBRARY + "/")
# What the app draws once it has the library: the first screen is then removed.
APP_DRAWN = "#library-items, #library-empty, #library-no-match"
# A phone's screen holds five rows; a desktop's seven.
ROWS_SHOWN = 8
log = logging.getLogger(__name__)

# Lucide's icons as the page draws them (components.library, components.empty_state).
_SVG = (
    '<svg width="{size}" height="{size}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"'
    ' stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">{paths}</svg>'
)
_SEARCH_ICON = _SVG.format(size=16, paths='<circle cx="11" cy="11" r="8"/><path d="m21 21-4.3-4.3"/>')
_LIBRARY_ICON = _SVG.format(
    size=28, paths='<path d="m16 6 4 14"/><path d="M12 6v14"/><path d="M8 8v12"/><path d="M4 4v16"/>'
)

# The library page's sizes and colours (storefront.pages.library: a 48rem column, 32 px between
# its parts; components.library.library_row: a card with a 72 by 56 px cover; Radix's indigo
# for links, its green and amber badges), below the header as first_paint lays out such a screen.
STYLE = (
    BELOW_HEADER_STYLE
    + f"""
#{FOLD_ID} .fs-column{{max-width:768px;margin:0 auto;display:flex;flex-direction:column;gap:32px}}
#{FOLD_ID} h1{{margin:0;font-size:28px;line-height:36px;font-weight:700;letter-spacing:-.0125em}}
#{FOLD_ID} h2{{margin:0;font-size:20px;line-height:28px;font-weight:700;text-align:center}}
#{FOLD_ID} .fs-find{{display:flex;align-items:center;gap:8px;box-sizing:border-box;max-width:384px;height:40px;
padding:0 12px;border:1px solid var(--fs-line);border-radius:8px;background:var(--fs-field);color:var(--fs-muted)}}
#{FOLD_ID} .fs-rows{{display:flex;flex-direction:column;gap:12px}}
#{FOLD_ID} .fs-row{{display:flex;align-items:center;gap:12px;padding:12px;box-shadow:inset 0 0 0 1px var(--fs-line);
border-radius:8px;background:var(--fs-card)}}
#{FOLD_ID} .fs-cover{{display:block;flex-shrink:0;width:72px;height:56px;object-fit:cover;border-radius:8px;
background:var(--fs-accent-face)}}
#{FOLD_ID} .fs-text{{display:flex;flex-direction:column;gap:4px;min-width:0}}
#{FOLD_ID} .fs-line{{display:flex;flex-wrap:wrap;align-items:center;gap:8px}}
#{FOLD_ID} .fs-text a{{color:var(--fs-link)}}
#{FOLD_ID} .fs-title{{font-weight:500}}
#{FOLD_ID} .fs-shop{{font-size:14px;line-height:20px;color:var(--fs-muted)}}
#{FOLD_ID} .fs-meta{{font-size:12px;line-height:16px;color:var(--fs-muted)}}
#{FOLD_ID} .fs-badge{{padding:0 6px;border-radius:4px;font-size:12px;line-height:20px;font-weight:500}}
#{FOLD_ID} .fs-updated{{background:#30a46c;color:#fff}}
#{FOLD_ID} .fs-delivering{{background:#ffee9c;color:#4f3422}}
#{FOLD_ID} .fs-empty{{display:flex;flex-direction:column;align-items:center;gap:12px;padding:48px 16px;
border:1px dashed var(--fs-line);border-radius:12px;text-align:center}}
#{FOLD_ID} .fs-empty p{{margin:0;max-width:512px;color:var(--fs-muted)}}
#{FOLD_ID} .fs-mark{{display:flex;align-items:center;justify-content:center;width:56px;height:56px;border-radius:50%;
background:var(--fs-accent-face);color:var(--fs-link)}}
#{FOLD_ID} .fs-action{{display:inline-flex;align-items:center;height:40px;padding:0 16px;border-radius:8px;
background:{CTA};color:{CTA_TEXT};font-weight:600}}
#{FOLD_ID}{{--fs-link:#3a5bc7;--fs-accent-face:#edf2fe;--fs-field:#fff}}
.dark #{FOLD_ID}{{--fs-link:#9eb1ff;--fs-accent-face:#182449;--fs-field:rgba(0,0,0,.25)}}
.dark #{FOLD_ID} .fs-delivering{{background:#302008;color:#ffe7b3}}
"""
)


def _row(item: LibraryItem) -> str:
    escape = html.escape
    cover = (
        f'<img class="fs-cover" src="{escape(item.cover_url)}" alt="">'
        if item.cover_url
        else '<div class="fs-cover"></div>'
    )
    badges = (f'<span class="fs-badge fs-updated">{escape(i18n.gettext("Updated"))}</span>' if item.updated else "") + (
        f'<span class="fs-badge fs-delivering">{escape(i18n.gettext("Delivering…"))}</span>' if item.delivering else ""
    )
    meta = f"<span>{escape(i18n.gettext('Bought {date}', date=item.acquired_label))}</span>"
    if item.latest_version_label:
        meta += f"<span>· {escape(i18n.gettext('Version {version}', version=item.latest_version_label))}</span>"
    if item.order_reference:
        meta += f'<a href="{escape(item.receipt_url)}">{escape(i18n.gettext("Receipt"))}</a>'

    return (
        f'<div class="fs-row">{cover}<div class="fs-text">'
        f'<div class="fs-line"><a class="fs-title" href="{escape(item.library_url)}" dir="auto">'
        f"{escape(item.title)}</a>{badges}</div>"
        f'<div class="fs-shop" dir="auto">{escape(item.shop_name)}</div>'
        f'<div class="fs-line fs-meta">{meta}</div></div></div>'
    )


def _empty() -> str:
    title = i18n.gettext("Your library is empty")
    body = i18n.gettext("What you buy or claim appears here at once, with its files, updates and license keys.")
    return (
        f'<div class="fs-empty"><div class="fs-mark">{_LIBRARY_ICON}</div><h2>{html.escape(title)}</h2>'
        f"<p>{html.escape(body)}</p>"
        f'<a class="fs-action" href="{routes.HOME}">{html.escape(i18n.gettext("Browse the shop"))}</a></div>'
    )


def library_screen_html(view: LibraryView) -> str:
    """The library's first screen as HTML, in the request's language: its heading, the search
    box (when there is anything to search) and the first rows, or the empty library."""
    escape = html.escape
    if view.total == 0:
        body = _empty()
    else:
        rows = "".join(_row(item) for item in view.items[:ROWS_SHOWN])
        # The box is the app's to type in; until it is drawn this shows where it will be.
        body = (
            f'<div class="fs-find" aria-hidden="true">{_SEARCH_ICON}{escape(i18n.gettext("Search your library"))}'
            f'</div><div class="fs-rows">{rows}</div>'
        )
    return (
        f'<div id="{FOLD_ID}" data-until="{APP_DRAWN}"><style>{STYLE}</style><div class="fs-main">'
        f'<div class="fs-column"><h1>{escape(i18n.gettext("Your library"))}</h1>{body}</div></div></div>'
    )


def _visitor_library(s: Session, token: str, search: str, page: int) -> LibraryView | None:
    actor = accounts.session_actor(s, token)
    if actor is None:
        return None
    return library.library(s, actor, search=search, page=page)


async def first_library_page(token: str, query_string: str) -> LibraryView | None:
    """The page of the library the page's state will show (state.library `load`) for the
    visitor this session token names; None without a live session."""
    query = parse_qs(query_string)
    search = query.get("q", [""])[0][: library.MAX_SEARCH_LENGTH]
    page = parse_page_number(query.get("page", ["1"])[0])
    return (await service_call.call(_visitor_library, token, search, page)).value


class LibraryFirstScreenMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"] not in LIBRARY_PATHS:
            await self.app(scope, receive, send)
            return
        token = session_token(scope)
        view = None
        if token:
            try:
                view = await first_library_page(token, scope.get("query_string", b"").decode("latin-1"))
            except Exception:  # noqa: BLE001 - the page never fails for its first screen; its state reports the error
                log.exception("library's first screen failed; the page goes out without it")
        if view is None or (view.total > 0 and not view.items):
            await self.app(scope, receive, send)
            return
        screen = library_screen_html(view)
        await send_rewritten(
            self.app, scope, receive, send, lambda document: with_first_paint(document, screen), private=True
        )
