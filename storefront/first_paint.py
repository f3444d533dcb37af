"""A product page painted from the document, before the app's scripts run.

The build answers `/p/<shop>/<product>` with its fallback document, whose body is empty: the
page used to show nothing until about 230 KB of script had arrived and run and the first state
delta had come back (Lighthouse on a phone: first paint 2.8 s, the cover 2.9 s). The served
document now carries the page's first screen as HTML (`fold_html`: the header's place, the
cover, category, title, summary, shop and price, the cover at the `srcset` and `sizes` the page
uses), and its scripts start after that has been painted (`with_first_paint`):

- the module preloads and the router's bootstrap (`<script type="module">`, whose static
  imports would run the app before the first frame) become one inline module that waits for a
  frame, then adds the same preloads and imports the same modules in the same order. On a
  phone the scripts arrive after the stylesheet either way; the first frame no longer waits
  for them.
- the first screen lies over the page (absolutely placed, under the app's sticky header),
  so the app renders beneath it without moving it, and is removed once the app has drawn the
  product itself (or its not-found state, or the visitor has moved to another page). Without
  scripts it stays: a crawler or a browser with scripts off reads the product and its price.

When the document's bootstrap is not in the shape this expects (a framework upgrade), the
document is left as the framework wrote it.
"""

from __future__ import annotations

import html
import json
import re

from commerce import i18n
from commerce.seo.head import ProductFold
from components.theme import BACKGROUND_DARK, BACKGROUND_LIGHT, BRAND_NAME, FONT_STACK, PANEL_DARK, PRIMARY
from storefront.page_head import PRODUCT_IMAGE_SIZES

FOLD_ID = "first-paint"
# What the app draws once it has the product page's data: the first screen is then removed.
APP_DRAWN = "#product-title, #product-missing, #product-unavailable"

_BOOTSTRAP = re.compile(rb'<script type="module" async="">(.*?)</script>', re.DOTALL)
_PRELOAD = re.compile(rb'<link rel="modulepreload" href="([^"]+)"/>')
_SIDE_EFFECT_IMPORT = re.compile(r'^import ("[^"\\]+");$', re.MULTILINE)
_NAMESPACE_IMPORT = re.compile(r'^import \* as (\w+) from ("[^"\\]+");$', re.MULTILINE)
_ANY_STATIC_IMPORT = re.compile(r"^\s*import\b(?!\()", re.MULTILINE)
_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
# The brand's mark as the header draws it (lucide's shopping bag, components.navbar).
_BAG = (
    '<svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"'
    ' stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M16 10a4 4 0 0 1-8 0"/>'
    '<path d="M3.103 6.034h17.794"/><path d="M3.4 5.467a2 2 0 0 0-.4 1.2V20a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V6.667'
    'a2 2 0 0 0-.4-1.2l-2-2.667A2 2 0 0 0 17 2H7a2 2 0 0 0-1.6.8z"/></svg>'
)

# The page's loading spinners stand still beneath the first screen, where they cannot be seen:
# starting their animations was one frame task of about 200 ms on a phone's main thread while
# the scripts loaded (bench/lighthouse, the library). The rule leaves with the first screen.
STILL_BENEATH = f"#{FOLD_ID} ~ * .rt-SpinnerLeaf{{animation:none!important}}\n"

# Colours and sizes of the real page (components.theme, Radix's scale) at the same breakpoints:
# the layout's (480, 768 and 992 px: the brand's name, the padding, the header's one row) and
# the product's grid at Radix's (1024 px), so the app's page replaces the first screen in place.
# The brand sits centred in its row: 36 px high beside the actions, 40 px beside the search box.
STYLE = (
    STILL_BENEATH
    + f"""
#{FOLD_ID}{{position:absolute;top:0;left:0;right:0;min-height:100vh;z-index:1;background:{BACKGROUND_LIGHT};
color:#1c2024;font-family:{FONT_STACK};font-size:16px;line-height:24px}}
.dark #{FOLD_ID}{{background:{BACKGROUND_DARK};color:#edeef0}}
#{FOLD_ID} a{{color:inherit;text-decoration:none}}
#{FOLD_ID} .fp-header{{box-sizing:border-box;height:113px;border-bottom:1px solid #d9d9e0}}
.dark #{FOLD_ID} .fp-header{{border-color:#363a3f}}
#{FOLD_ID} .fp-bar{{box-sizing:border-box;max-width:1152px;margin:0 auto;padding:14px 16px}}
#{FOLD_ID} .fp-name{{display:none}}
#{FOLD_ID} .fp-brand{{display:inline-flex;align-items:center;gap:8px;font-weight:700;font-size:18px;color:{PRIMARY}}}
.dark #{FOLD_ID} .fp-brand{{color:#fff}}
#{FOLD_ID} .fp-mark{{display:inline-flex;align-items:center;justify-content:center;width:32px;height:32px;
border-radius:8px;background:{PRIMARY};color:#fff}}
#{FOLD_ID} .fp-main{{box-sizing:border-box;max-width:1152px;margin:0 auto;padding:24px 16px;display:grid;gap:32px}}
#{FOLD_ID} .fp-cover{{display:block;width:100%;aspect-ratio:4/3;object-fit:cover;border-radius:12px}}
#{FOLD_ID} .fp-category,#{FOLD_ID} .fp-shop a{{color:rgba(0,43,183,.773)}}
.dark #{FOLD_ID} .fp-category,.dark #{FOLD_ID} .fp-shop a{{color:#9eb1ff}}
#{FOLD_ID} .fp-category{{font-size:12px;line-height:16px;letter-spacing:.04em}}
#{FOLD_ID} .fp-shop a{{text-decoration:underline}}
#{FOLD_ID} h1{{margin:8px 0 0;font-size:28px;line-height:36px;font-weight:700}}
#{FOLD_ID} .fp-summary{{margin:8px 0 0;font-size:18px;line-height:26px;opacity:.75}}
#{FOLD_ID} .fp-shop{{margin:8px 0 0;font-size:14px;line-height:20px}}
#{FOLD_ID} .fp-price{{margin:16px 0 0;padding:24px;border:1px solid #d9d9e0;border-radius:12px;font-size:24px;
line-height:30px;font-weight:700;color:#1f2d5c}}
.dark #{FOLD_ID} .fp-price{{color:#d6e1ff;border-color:#363a3f}}
@media (min-width:480px){{#{FOLD_ID} .fp-name{{display:inline}}}}
@media (min-width:768px){{#{FOLD_ID} .fp-bar{{padding:14px 24px}} #{FOLD_ID} .fp-main{{padding:24px}}}}
@media (min-width:992px){{#{FOLD_ID} .fp-header{{height:65px}} #{FOLD_ID} .fp-bar{{padding:16px 32px}}
#{FOLD_ID} .fp-main{{padding:40px 32px}}}}
@media (min-width:1024px){{#{FOLD_ID} .fp-main{{grid-template-columns:1fr 1fr}}
#{FOLD_ID} h1{{font-size:35px;line-height:40px}}}}
"""
)

# A first screen that lies over a page below its header (the header is the prerendered one,
# sticky above it; storefront.search_head, storefront.library_head), in the page's colours and
# main column (components.theme, Radix's slate scale; storefront.layout's padding at Reflex's
# breakpoints 768 and 992 px). It starts at the header's height (113 px, 65 px from 992 px),
# then at the header's bottom where the browser anchors positions, once the header is whole (the
# page's <main>, which follows it, has been parsed): a phone paints the document while parsing
# it, and a screen anchored to a header parsed up to its first row moved up to that row (57 px),
# then back down when the search row came (CLS 0.12 on a slow phone). Muted text, card lines and
# card faces are `--fs-muted`, `--fs-line` and `--fs-card`.
BELOW_HEADER_STYLE = (
    STILL_BENEATH
    + f"""
#navbar{{anchor-name:--navbar}}
#{FOLD_ID}{{position:absolute;top:113px;left:0;right:0;min-height:100vh;z-index:1;
background:{BACKGROUND_LIGHT};color:#1c2024;font-family:{FONT_STACK};font-size:16px;line-height:24px;
--fs-muted:#60646c;--fs-line:#d9d9e0;--fs-card:#fff}}
.dark #{FOLD_ID}{{background:{BACKGROUND_DARK};color:#edeef0;
--fs-muted:#b0b4ba;--fs-line:#363a3f;--fs-card:{PANEL_DARK}}}
body:has(#main) #{FOLD_ID}{{top:anchor(--navbar bottom,113px)}}
#{FOLD_ID} a{{color:inherit;text-decoration:none}}
#{FOLD_ID} .fs-main{{box-sizing:border-box;max-width:1152px;margin:0 auto;padding:24px 16px}}
@media (min-width:768px){{#{FOLD_ID} .fs-main{{padding:24px}}}}
@media (min-width:992px){{#{FOLD_ID}{{top:65px}}body:has(#main) #{FOLD_ID}{{top:anchor(--navbar bottom,65px)}}
#{FOLD_ID} .fs-main{{padding:40px 32px}}}}
"""
)

# Runs in place of the router's bootstrap. MODULES and BOOTSTRAP are filled in per document.
_BOOT = """const modules = MODULES;
const watchFirstScreen = () => {
  const screen = document.getElementById(FOLD_ID);
  if (!screen) return;
  const path = location.pathname;
  new MutationObserver((_, observer) => {
    if (location.pathname === path && !document.querySelector(screen.dataset.until)) return;
    screen.remove();
    observer.disconnect();
  }).observe(document.body, { childList: true, subtree: true });
};
const boot = () => setTimeout(async () => {
  watchFirstScreen();
  for (const href of modules) {
    const link = document.createElement("link");
    link.rel = "modulepreload";
    link.href = href;
    document.head.append(link);
  }
BOOTSTRAP
});
// After the first frame (a hidden tab paints nothing, so it starts at once).
const start = () => (document.visibilityState === "visible" ? requestAnimationFrame(boot) : boot());
document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", start) : start();
"""


def fold_html(fold: ProductFold) -> str:
    """The product page's first screen as HTML, in the request's language."""
    escape = html.escape
    cover = (
        f'<img class="fp-cover" src="{escape(fold.cover_path)}" srcset="{escape(fold.cover_srcset)}"'
        f' sizes="{PRODUCT_IMAGE_SIZES}" alt="{escape(fold.title)}" fetchpriority="high">'
        if fold.cover_path
        else '<div class="fp-cover"></div>'
    )
    category = f'<div class="fp-category">{escape(fold.category_name)}</div>' if fold.category_name else ""
    summary = f'<p class="fp-summary">{escape(fold.summary)}</p>' if fold.summary else ""
    shop = i18n.gettext("Sold by") + f' <a href="{escape(fold.shop_url)}">{escape(fold.shop_name)}</a>'
    home = escape(i18n.gettext("{brand} home", brand=BRAND_NAME))
    return (
        f'<div id="{FOLD_ID}" data-until="{APP_DRAWN}"><style>{STYLE}</style>'
        f'<div class="fp-header"><div class="fp-bar"><a class="fp-brand" href="/" aria-label="{home}">'
        f'<span class="fp-mark">{_BAG}</span><span class="fp-name">{escape(BRAND_NAME)}</span></a></div></div>'
        f'<div class="fp-main"><div>{cover}</div><div>{category}<h1 dir="auto">{escape(fold.title)}</h1>{summary}'
        f'<p class="fp-shop">{shop}</p><p class="fp-price">{escape(fold.price_label)}</p></div></div></div>'
    )


def with_first_paint(document: bytes, first_screen: str | None) -> bytes:
    """The document with its scripts started after its first frame, and `first_screen` (HTML
    such as `fold_html`'s: an element with the id `FOLD_ID` and, in `data-until`, what the app
    draws to replace it) at the start of its body; a prerendered page such as the home page
    paints its own and passes None. Unchanged when its bootstrap is not the router's usual one.

    At the start, because a phone paints a long prerendered body before it has parsed all of
    it: at its end the screen came a frame or two after the first (Lighthouse then counted the
    page's largest paint after its scripts had started). React's hydration passes over an
    element it did not render at the top of the body."""
    bootstrap = _BOOTSTRAP.search(document)
    body = _BODY_OPEN.search(document)
    if bootstrap is None or body is None:
        return document
    script = _boot_after_paint(bootstrap.group(1).decode(), [m.decode() for m in _PRELOAD.findall(document)])
    if script is None:
        return document
    # Both edits by position, the later first (the bootstrap sits in the body or the head).
    edits = sorted(
        [
            (bootstrap.start(1), bootstrap.end(1), script.encode()),
            (body.end(), body.end(), first_screen.encode() if first_screen is not None else b""),
        ],
        reverse=True,
    )
    for start, end, text in edits:
        document = document[:start] + text + document[end:]
    return _PRELOAD.sub(b"", document)


def _boot_after_paint(bootstrap: str, modules: list[str]) -> str | None:
    """The router's bootstrap with its static imports made dynamic (same order), inside
    `_BOOT`; None when any static import is left that this does not know."""
    code = _NAMESPACE_IMPORT.sub(r"const \1 = await import(\2);", bootstrap)
    code = _SIDE_EFFECT_IMPORT.sub(r"await import(\1);", code)
    if _ANY_STATIC_IMPORT.search(code):
        return None
    return (
        _BOOT.replace("MODULES", json.dumps(modules)).replace("FOLD_ID", json.dumps(FOLD_ID)).replace("BOOTSTRAP", code)
    )
