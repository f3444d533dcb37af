"""A buyer plays an online-only video in the browser: while it is being cut into HLS the
player streams the original through the ranged stream link (as before), and once the
app's job has cut it, hls.js plays the playlist, every segment fetched through a signed
link of the app. Nothing the page receives names the original file or the rendition in
storage (its keys, the download route, storage links)."""

from __future__ import annotations

import random
import time
from contextlib import contextmanager, suppress

import httpx
from playwright.sync_api import expect
from sqlmodel import select

from commerce.db import unit_of_work
from commerce.demo import COLLECTOR_EMAIL, DEMO_PASSWORD
from commerce.models import (
    RenditionStatus,
    VideoRendition,
)
from tests.e2e.test_delivery import _app_database
from tests.e2e.test_online_reader import ORIGINAL_ROUTES, online_only_file
from tests.fixtures.browser import sign_in
from tests.fixtures.video import needs_ffmpeg, tiny_video

pytestmark = needs_ffmpeg
FILENAME = "Behind the scenes.mp4"
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/vnd.apple.mpegurl")


@contextmanager
def online_only_film(app):
    """A 13 s H.264/AAC film, online only, added to the ebook the demo's collector bought;
    a tone of its own each time, so each test's film is cut anew."""
    data = tiny_video(13, tone=random.randrange(200, 2000))
    with online_only_file(app, data, filename=FILENAME, content_type="video/mp4", position=98) as found:
        try:
            yield found
        finally:
            with unit_of_work(_app_database(app)) as s:
                for rendition in s.exec(select(VideoRendition).where(VideoRendition.sha256 == found["sha256"])).all():
                    s.delete(rendition)


def rendition_of(app, sha256: str) -> VideoRendition | None:
    with unit_of_work(_app_database(app)) as s:
        return s.exec(select(VideoRendition).where(VideoRendition.sha256 == sha256)).first()


def wait_until_cut(app, sha256: str, seconds: float = 120) -> VideoRendition:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rendition = rendition_of(app, sha256)
        if rendition is not None and rendition.status != RenditionStatus.PENDING:
            assert rendition.status == RenditionStatus.READY, rendition.error
            return rendition
        time.sleep(0.5)
    raise AssertionError("the app's job did not cut the video into HLS in time")


def plays(page) -> float:
    """Starts the (muted) player and waits until its time has moved; returns it."""
    video = page.locator("#reader-video")
    video.evaluate("v => { v.muted = true; return v.play().catch(() => null); }")
    for _ in range(150):
        position = video.evaluate("v => v.currentTime")
        if position > 0.5:
            return position
        page.wait_for_timeout(200)
    raise AssertionError("the video did not play")


def test_the_buyer_plays_an_online_only_video_through_hls_and_nothing_names_the_original(app, page):
    with online_only_film(app) as film:
        sign_in(page, COLLECTOR_EMAIL, DEMO_PASSWORD)
        page.goto(f"/library/{film['product_id']}")
        row = page.get_by_test_id("library-file").filter(has_text=FILENAME)
        expect(row.get_by_test_id("view-online")).to_have_text("Play")
        expect(row.get_by_test_id("download-file")).to_have_count(0)

        # The first opening asks the app to cut the video; meanwhile the ranged stream plays.
        row.get_by_test_id("view-online").click()
        expect(page.get_by_role("heading", name=FILENAME)).to_be_visible()
        video = page.locator("#reader-video")
        expect(video).to_have_attribute("data-hls", "none")
        assert "/stream?" in video.get_attribute("src")
        assert plays(page) > 0
        rendition = wait_until_cut(app, film["sha256"])
        assert rendition.segment_count == 3

        frames: list[str] = []
        responses = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
        page.on("response", lambda response: responses.append(response))
        page.reload()
        expect(page.get_by_role("heading", name=FILENAME)).to_be_visible()
        expect(video).to_have_attribute("data-hls", "playing", timeout=30_000)
        assert plays(page) > 0.5
        # MSE: the video's source is a blob: URL, not an address of the file.
        assert video.evaluate("v => v.currentSrc").startswith("blob:")

        playlists = [r for r in responses if "/api/view/" in r.url and r.url.split("?")[0].endswith("/hls")]
        segments = [r for r in responses if "/api/view/" in r.url and "/hls-" in r.url]
        assert len(playlists) == 1
        assert playlists[0].status == 200
        assert segments
        assert all(r.status in (200, 206) and r.headers["content-type"] == "video/mp2t" for r in segments)
        # (The reload may briefly mount the page's previous view, whose player asks for the
        # ranged stream before the fresh view brings the playlist: an app link too, never the
        # original's address, which the scan below checks.)

        assert frames, "the page's websocket frames were not seen"
        received = list(frames)
        for response in responses:
            received.append(response.url)
            received.extend(f"{name}: {value}" for name, value in response.headers.items())
            if response.headers.get("content-type", "").startswith(TEXT_TYPES):
                with suppress(Exception):
                    received.append(response.text())
        needles = (film["blob_key"], rendition.prefix, "seg-00000", *ORIGINAL_ROUTES)
        leaks = [text[:200] for text in received for needle in needles if needle in text]
        assert leaks == []

        # The playlist is the buyer's: a browser without their session is refused.
        assert httpx.get(playlists[0].url).status_code == 403


def test_the_seller_sees_the_video_prepared_for_streaming(app, page):
    with online_only_film(app) as film:
        sign_in(page, "ada@demo.market", DEMO_PASSWORD)
        page.goto(f"/seller/products/{film['product_id']}")
        row = page.get_by_test_id("product-file").filter(has_text=FILENAME)
        online_only = row.get_by_test_id("file-online-only")
        expect(online_only).to_be_checked()
        # Off and on again: the editor asks the app to prepare it, and says so.
        online_only.click()
        expect(online_only).not_to_be_checked()
        online_only.click()
        expect(row.get_by_test_id("file-streaming")).to_have_text("Preparing for streaming")
        wait_until_cut(app, film["sha256"])
        page.reload()
        expect(page.get_by_test_id("product-file").filter(has_text=FILENAME)).to_contain_text("Ready to stream")
