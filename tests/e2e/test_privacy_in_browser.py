"""A person downloads their data and deletes their account from the account page; the
admin console logs both; the same email can sign up again as a new account."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from commerce.demo import ADMIN_EMAIL, DEMO_PASSWORD
from tests.fixtures.browser import PASSWORD, email_link, sign_in, sign_up


def test_a_person_downloads_their_data_then_deletes_their_account(page, new_page):
    email = f"privacy-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, email, name="Privacy Tester")
    page.goto("/account")
    page.locator("#export-request").click()
    download_link = page.get_by_test_id("export-download").first
    expect(download_link).to_be_visible(timeout=30_000)
    with page.expect_download() as waiting:
        download_link.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(waiting.value.path()).read_bytes()))
    assert json.loads(archive.read("profile.json"))["email"] == email
    assert {"orders.json", "library.csv", "downloads.csv", "reviews.json"} <= set(archive.namelist())

    # Another person cannot fetch it with the address.
    href = download_link.get_attribute("href")
    stranger = new_page()
    assert stranger.request.get(href).status in (401, 404)

    # Deleting asks for the password; a wrong one changes nothing.
    page.locator("#delete-account").click()
    page.locator("#delete-password").fill("not my password at all")
    page.locator("#delete-confirm").click()
    expect(page.locator("#delete-error")).to_contain_text("password")
    page.locator("#delete-password").fill(PASSWORD)
    page.locator("#delete-confirm").click()
    expect(page.locator("#account-deleted")).to_be_visible()
    expect(page.locator("#nav-login")).to_be_visible()
    # Signed out for good: the export link is dead too.
    assert page.request.get(href).status in (401, 404)

    # The admin console lists the export and the erasure.
    admin = new_page()
    sign_in(admin, ADMIN_EMAIL, DEMO_PASSWORD)
    admin.goto("/admin/privacy")
    rows = admin.get_by_test_id("privacy-request")
    expect(rows.first).to_contain_text("Account erasure")
    expect(admin.locator("#privacy-table")).to_contain_text("Data export")
    expect(admin.locator("#privacy-table")).not_to_contain_text(email)

    # The same address signs up again as someone new, with an empty library.
    again = new_page()
    sign_up(again, email, name="Back Again", besides=frozenset({email_link(email, "/welcome/")}))
    again.goto("/account")
    expect(again.locator("#account-name")).to_have_text("Back Again")
