"""What a language costs a page: JavaScript per route, the event websocket's bytes on the
first load in each language, and the catalog each language sends.

Run against a running app (`make run PORT=3999` in another shell):

    .venv/bin/python bench/i18n/run.py --base-url http://127.0.0.1:3999

For each route and language (a fresh browser context with that Accept-Language), it
loads the page in Debian's Chromium and prints the bytes of JavaScript the page
downloaded and the frames and bytes the event websocket received in its first 3 s
(hydrate, the page's loaders, the catalog). The English row is the page as it was before
translations (English ships an empty catalog); the other rows show what one language
adds. Only the tab's language is sent: the last table compares the catalog of one
language with all five together, which a page would carry if it shipped them all.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from commerce import i18n  # noqa: E402 (the checkout's own package, found through the path above)

ROUTES = ["/", "/p/inkwell-press/the-indie-maker-ebook", "/search?q=template", "/cart"]
LOCALES = {"en": "en-US", "de": "de-DE", "ja": "ja-JP", "ar": "ar-EG"}


def measure(browser, base_url: str, route: str, locale: str, settle: float) -> tuple[int, int, int]:
    context = browser.new_context(base_url=base_url, locale=locale)
    page = context.new_page()
    ws = {"frames": 0, "bytes": 0}

    def on_socket(socket):
        def received(payload):
            ws["frames"] += 1
            ws["bytes"] += len(payload.encode() if isinstance(payload, str) else payload)

        socket.on("framereceived", received)

    page.on("websocket", on_socket)
    page.goto(route, wait_until="load")
    time.sleep(settle)
    # Uncompressed sizes of every script the page loaded (modules and their preloads).
    script_bytes = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.split('?')[0].endsWith('.js'))"
        ".reduce((total, e) => total + e.decodedBodySize, 0)"
    )
    context.close()
    return script_bytes, ws["frames"], ws["bytes"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:3999")
    parser.add_argument("--rounds", type=int, default=3, help="loads per route and language (median printed)")
    parser.add_argument("--settle", type=float, default=4.0, help="seconds of websocket traffic counted")
    args = parser.parse_args()

    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
        print(f"{'route':42} {'lang':4} {'JS KB':>8} {'ws frames':>9} {'ws KB':>8}")
        for route in ROUTES:
            for code, locale in LOCALES.items():
                runs = [measure(browser, args.base_url, route, locale, args.settle) for _ in range(args.rounds)]
                js = statistics.median(r[0] for r in runs) / 1024
                frames = statistics.median(r[1] for r in runs)
                ws_kb = statistics.median(r[2] for r in runs) / 1024
                print(f"{route:42} {code:4} {js:8.1f} {frames:9.0f} {ws_kb:8.1f}")
        browser.close()

    print()
    print(f"{'catalog':12} {'entries':>8} {'JSON KB':>8}")
    every = {}
    for code in i18n.LANGUAGES:
        messages = i18n.client_messages(code, i18n.STOREFRONT)
        every[code] = messages
        print(f"{code:12} {len(messages):8} {len(json.dumps(messages, ensure_ascii=False).encode()) / 1024:8.1f}")
    all_five = len(json.dumps(every, ensure_ascii=False).encode()) / 1024
    print(f"{'all at once':12} {sum(map(len, every.values())):8} {all_five:8.1f}")


if __name__ == "__main__":
    main()
