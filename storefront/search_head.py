"""The search results page painted from its document, before the app's scripts run.

The build prerenders `/search` once for every query: the header, a heading for no query and
skeletons. The results, the page's largest paint on a phone (a result's summary, Lighthouse in
bench/lighthouse), came with the first state delta, after about 230 KB of script had arrived
and run. The served document now carries the first results as HTML, from the same search the
page's state runs (`search_products`, in the request's language), and starts its scripts
after that first frame (`storefront.first_paint`).

The first screen lies over the page below its header (`first_paint.BELOW_HEADER_STYLE`), laid
out as the page lays out its results at each width (Reflex's breakpoints 768 and 992 px,
Radix's 1024 px for the heading), and is removed once the app has
drawn its own results or its no-results state, or the visitor has moved to another page. A
search with no results, or answered in the simplified mode (the page then shows a notice above
its results), is left to the app.
"""

from __future__ import annotations

import html
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from commerce import i18n
from commerce.search.service import ResultCard, SearchPageView, SearchParams, TextPart, search_products
from state import service_call
from storefront.first_paint import BELOW_HEADER_STYLE, FOLD_ID, with_first_paint
from storefront.page_status import send_rewritten

SEARCH_PATHS = ("/search", "/search/")
# What the app draws once it has the page's results: the first screen is then removed.
APP_DRAWN = "#search-results, #search-empty"
# A phone's screen holds four results, a desktop's four; two more in case of a tall screen.
RESULTS_SHOWN = 6
log = logging.getLogger(__name__)

# The results page's sizes and colours (storefront.pages.search, components.search.result_card),
# below the header as first_paint lays out such a screen. The count, the sort row (32 px) and
# the gaps between them (4 and 16 px) put the results 64 px below the count.
STYLE = (
    BELOW_HEADER_STYLE
    + f"""
#{FOLD_ID} h1{{margin:0;font-size:24px;line-height:30px;font-weight:700}}
#{FOLD_ID} .fs-total{{margin:4px 0 0;font-size:14px;line-height:20px;color:var(--fs-muted)}}
#{FOLD_ID} .fs-body{{display:flex;gap:32px;margin-top:64px}}
#{FOLD_ID} .fs-side{{display:none;width:240px;flex-shrink:0}}
#{FOLD_ID} .fs-results{{flex:1;min-width:0;display:flex;flex-direction:column;align-items:flex-start;gap:12px}}
#{FOLD_ID} .fs-card{{display:flex;align-items:flex-start;gap:12px;box-sizing:border-box;max-width:100%;padding:12px;
border:1px solid var(--fs-line);border-radius:12px;background:var(--fs-card)}}
#{FOLD_ID} .fs-cover{{display:block;flex-shrink:0;width:96px;aspect-ratio:4/3;object-fit:cover;border-radius:8px;
background:#e1e9ff}}
#{FOLD_ID} .fs-text{{display:flex;flex-direction:column;align-items:flex-start;gap:4px;min-width:0}}
#{FOLD_ID} .fs-category{{font-size:12px;line-height:16px;letter-spacing:.04em;text-transform:uppercase;
color:var(--fs-muted)}}
#{FOLD_ID} .fs-title{{font-weight:500}}
#{FOLD_ID} .fs-summary{{margin:0;font-size:14px;line-height:20px;color:var(--fs-muted);display:-webkit-box;
-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}}
#{FOLD_ID} .fs-meta{{display:flex;align-items:center;gap:12px;font-size:14px;line-height:20px}}
#{FOLD_ID} .fs-shop{{color:var(--fs-muted)}}
#{FOLD_ID} .fs-price{{font-weight:700;color:#1f2d5c}}
#{FOLD_ID} mark{{background:#ffee9c;color:inherit;border-radius:3px;padding:0 1px}}
.dark #{FOLD_ID} .fs-cover{{background:#182449}}
.dark #{FOLD_ID} .fs-price{{color:#d6e1ff}}
.dark #{FOLD_ID} mark{{background:#3f2700}}
@media (min-width:768px){{#{FOLD_ID} .fs-cover{{width:160px}}}}
@media (min-width:992px){{#{FOLD_ID} .fs-side{{display:block}}}}
@media (min-width:1024px){{#{FOLD_ID} h1{{font-size:28px;line-height:36px}}}}
"""
)


def _highlighted(parts: list[TextPart]) -> str:
    return "".join(
        f"<mark>{html.escape(part.text)}</mark>" if part.marked else html.escape(part.text) for part in parts
    )


def _result(card: ResultCard) -> str:
    escape = html.escape
    cover = (
        f'<img class="fs-cover" src="{escape(card.cover_url)}" alt="{escape(card.title)}">'
        if card.cover_url
        else '<div class="fs-cover"></div>'
    )
    category = f'<div class="fs-category">{escape(card.category_name)}</div>' if card.category_name else ""
    return (
        f'<a class="fs-card" href="{escape(card.url)}">{cover}<div class="fs-text">{category}'
        f'<div class="fs-title" dir="auto">{_highlighted(card.title_parts)}</div>'
        f'<p class="fs-summary" dir="auto">{_highlighted(card.summary_parts)}</p>'
        f'<div class="fs-meta"><span class="fs-shop">{escape(card.shop_name)}</span>'
        f'<span class="fs-price">{escape(card.price_label)}</span></div></div></a>'
    )


def results_screen_html(view: SearchPageView) -> str:
    """The results page's first screen as HTML, in the request's language: its heading, the
    count and the first results, as the page draws them."""
    query = view.params.q
    heading = i18n.gettext("Results for “{query}”", query=query) if query else i18n.gettext("All products")
    total = i18n.ngettext("{count} product", "{count} products", view.total)
    results = "".join(_result(card) for card in view.cards[:RESULTS_SHOWN])
    return (
        f'<div id="{FOLD_ID}" data-until="{APP_DRAWN}"><style>{STYLE}</style><div class="fs-main">'
        f'<h1 dir="auto">{html.escape(heading)}</h1><p class="fs-total">{html.escape(total)}</p>'
        f'<div class="fs-body"><div class="fs-side"></div><div class="fs-results">{results}</div></div></div></div>'
    )


async def first_results(params: SearchParams, lang: str) -> SearchPageView | None:
    """The page of results the page's state will show (state.search `load`); None for a
    search the service refused."""
    return (await service_call.call(search_products, params, lang=lang)).value


class SearchFirstScreenMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"] not in SEARCH_PATHS:
            await self.app(scope, receive, send)
            return
        params = SearchParams.from_query_string(scope.get("query_string", b"").decode("latin-1"))
        try:
            view = await first_results(params, i18n.current_language())
        except Exception:  # noqa: BLE001 - the page never fails for its first screen; its state reports the error
            log.exception("search page's first results failed; the page goes out without them")
            view = None
        if view is None or view.degraded or not view.cards:
            await self.app(scope, receive, send)
            return
        screen = results_screen_html(view)
        await send_rewritten(self.app, scope, receive, send, lambda document: with_first_paint(document, screen))
