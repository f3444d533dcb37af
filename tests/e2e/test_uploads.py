"""A seller watches a big upload: bytes, percent and time left while the file is on its
way, no second submit while it runs, and cancel stops it and leaves nothing behind.

The browser's upload speed is throttled and its connection cut for a moment (Chromium's
network emulation), so the transfer of a 40 MiB file lasts long enough to be watched on
loopback and meets a dropped connection half-way.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from commerce.db import unit_of_work
from commerce.demo import DEMO_PASSWORD
from commerce.models import Product
from tests.e2e.test_delivery import _app_database
from tests.fixtures.browser import choose_files, sign_in

MiB = 1024 * 1024
PERCENT = re.compile(r"Uploading: (\d+)%")


def network(page):
    """Chromium's network emulation for the page: `set(offline=..., upload=bytes per second)`."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def emulate(*, offline: bool = False, upload: int = -1) -> None:
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": upload},
        )

    return emulate


# A demo product that delivers files (other tests add key-only products to the same shop).
DEMO_FILE_PRODUCT = "Writing Better Docs"


def open_file_product_editor(page, app) -> None:
    with unit_of_work(_app_database(app)) as s:
        product_id = s.exec(select(Product.id).where(Product.title == DEMO_FILE_PRODUCT)).one()
    page.goto(f"/seller/products/{product_id}")
    expect(page.locator("#editor-title")).to_be_visible()


def percent_shown(status) -> int:
    match = PERCENT.search(status.inner_text())
    assert match, status.inner_text()
    return int(match.group(1))


def test_a_big_upload_shows_its_progress_resumes_after_a_dropped_connection_and_can_be_cancelled(page, app, tmp_path):
    big = tmp_path / "course-videos.zip"
    big.write_bytes(b"PK\x03\x04" + bytes(range(256)) * (40 * MiB // 256))
    sign_in(page, "ada@demo.market", DEMO_PASSWORD)
    open_file_product_editor(page, app)
    listed = page.locator("[data-testid=product-file]", has_text="course-videos.zip")
    expect(listed).to_have_count(0)
    emulate = network(page)
    emulate(upload=2 * MiB)

    choose_files(page, big)
    page.locator("#file-upload .uppy-StatusBar-actionBtn--upload").click()

    # While the file is on its way: the bytes sent of the total, the percentage and the time left.
    status = page.locator("#file-upload .uppy-StatusBar")
    expect(status).to_contain_text(re.compile(r"Uploading: \d+%"))
    expect(status).to_contain_text(re.compile(r"[\d.]+ MB of 40 MB"))
    expect(status).to_contain_text(re.compile(r"\d+\s?s left|\d+m"))
    first = percent_shown(status)
    expect(status).not_to_contain_text(f"Uploading: {first}%")
    assert first < percent_shown(status) < 100
    # Busy: nothing to submit a second time.
    expect(page.locator("#file-upload .uppy-StatusBar-actionBtn--upload")).to_have_count(0)

    # The connection drops once two of the five 8 MiB parts have landed, and comes back:
    # the upload goes on from the parts that landed instead of starting again.
    expect(status).to_contain_text(re.compile(r"Uploading: ([4-9]\d)%"))
    emulate(offline=True)
    # A part in flight fails, or the next one waits for the connection (whichever comes first).
    page.wait_for_timeout(2_000)
    emulate(upload=2 * MiB)
    expect(status).to_contain_text(re.compile(r"Uploading: \d+%"))
    assert percent_shown(status) >= 40

    status.get_by_role("button", name="Cancel", exact=True).click()

    expect(page.locator("#file-upload .uppy-Dashboard-AddFiles-title")).to_be_visible()
    expect(page.locator("#file-upload .uppy-StatusBar.is-uploading")).to_have_count(0)
    # The parts sent so far are dropped on the server too.
    multipart = app.data_dir / "storage" / "multipart"
    for _ in range(50):
        if not any(multipart.glob("*/meta.json")):
            break
        page.wait_for_timeout(200)
    assert not any(multipart.glob("*/meta.json"))
    page.reload()
    expect(page.locator("#editor-title")).to_be_visible()
    expect(listed).to_have_count(0)
