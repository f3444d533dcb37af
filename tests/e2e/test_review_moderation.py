"""On a desktop: a buyer buys a product and reviews it, a second user reports the review,
an admin hides it from the moderation queue, and the product page stops showing it."""

import re
import uuid

from playwright.sync_api import expect

from commerce.demo import ADMIN_EMAIL, DEMO_PASSWORD
from tests.fixtures.browser import buy, sign_in, sign_up

PRODUCT_PATH = "/p/enigma-studio/podcast-intro-jingles"


def test_review_report_and_hide_from_the_queue(app, new_page):
    suffix = uuid.uuid4().hex[:8]
    text = f"Clear, punchy jingles, review {suffix}."

    buyer = new_page("desktop")
    sign_up(buyer, f"buyer-{suffix}@example.com", name="Happy Buyer")
    buyer.goto(PRODUCT_PATH)
    expect(buyer.locator("#reviews")).to_be_visible()
    expect(buyer.locator("#review-form")).to_have_count(0)  # not bought yet
    buy(buyer, [PRODUCT_PATH])
    buyer.goto(PRODUCT_PATH)
    expect(buyer.locator("#review-form")).to_be_visible()
    buyer.locator("#review-rating").select_option("4")
    buyer.locator("#review-body").fill(text)
    buyer.locator("#review-submit").click()
    expect(buyer.locator("#review-notice")).to_be_visible()
    review = buyer.locator("[data-testid=review]", has_text=text)
    expect(review).to_be_visible()
    expect(review.locator("[data-testid=verified-purchase]")).to_be_visible()
    expect(buyer.locator("#rating-count")).to_have_text("1 review")
    expect(buyer.locator("#rating-average")).to_have_text("4.0")
    expect(buyer.locator("#own-review")).to_be_visible()

    seller = new_page("desktop")
    sign_in(seller, "alan@demo.market", DEMO_PASSWORD)  # Enigma Studio sells the jingles
    seller.goto("/seller/reviews")
    seller_review = seller.locator("[data-testid=seller-review]", has_text=text)
    expect(seller_review).to_be_visible()
    seller_review.get_by_label("Reply to Happy Buyer").fill("Thank you, enjoy the intros!")
    seller_review.get_by_role("button", name="Publish reply").click()
    expect(seller.locator("#seller-reviews-notice")).to_be_visible()
    expect(seller.locator("#seller-ratings")).to_contain_text("Podcast Intro Jingles")

    reader = new_page("desktop")
    sign_up(reader, f"reader-{suffix}@example.com", name="Careful Reader")
    reader.goto(PRODUCT_PATH)
    reader_review = reader.locator("[data-testid=review]", has_text=text)
    expect(reader_review).to_be_visible()
    expect(reader_review.locator("[data-testid=review-reply]")).to_contain_text("Thank you, enjoy the intros!")
    expect(reader.locator("#review-form")).to_have_count(0)  # the reader did not buy it
    reader_review.locator("[data-testid=review-report]").click()
    reader.locator("#report-review-reason").select_option("offensive")
    reader.locator("#report-review-details").fill("Reads like an advert for another shop.")
    reader.locator("#report-review-submit").click()
    # One submission, one success message, and the form closes: no "already reported" error after it.
    expect(reader.locator("#report-notice")).to_be_visible()
    expect(reader.locator("#report-review-form")).to_have_count(0)
    expect(reader.locator("#report-review-error")).to_have_count(0)
    reader.locator("#report-product").click()
    reader.locator("#report-product-reason").select_option("spam")
    reader.locator("#report-product-submit").click()
    expect(reader.locator("#report-notice")).to_be_visible()
    expect(reader.locator("#report-product-form")).to_have_count(0)
    expect(reader.locator("#report-product-error")).to_have_count(0)

    admin = new_page("desktop")
    sign_in(admin, ADMIN_EMAIL, DEMO_PASSWORD)
    admin.goto("/admin")
    # The queue loads with the page; filter only once it is there, or the load undoes the filter.
    expect(admin.locator("[data-testid=queue-item]").first).to_be_visible()
    admin.locator("#queue-kind-review").click()
    expect(admin.locator("#queue-kind-review")).to_have_attribute("aria-pressed", "true")
    item = admin.locator("[data-testid=queue-item]", has_text=text)
    expect(item).to_be_visible()
    expect(item.locator("[data-testid=queue-report]")).to_contain_text("Offensive or abusive")
    expect(item.locator("[data-testid=queue-report]")).to_contain_text("Reads like an advert")
    # Keyboard only: j focuses the first item, r its reason field, Enter submits.
    admin.keyboard.press("j")
    expect(item).to_be_focused()
    admin.keyboard.press("r")
    expect(item.locator("[data-testid=hide-reason]")).to_be_focused()
    admin.keyboard.type("Advertising another shop.")
    expect(item.locator("[data-testid=hide-reason]")).to_have_value("Advertising another shop.")
    admin.keyboard.press("Enter")
    expect(admin.locator("#queue-notice")).to_have_text("Review hidden.")
    expect(admin.locator("[data-testid=queue-item]", has_text=text)).to_have_count(0)
    admin.goto("/admin/audit")
    expect(admin.locator("[data-testid=audit-entry]").first).to_contain_text("Advertising another shop.")

    buyer.reload()
    expect(buyer.locator("#own-review-hidden")).to_be_visible()

    visitor = new_page("desktop")
    visitor.goto(PRODUCT_PATH)
    expect(visitor.locator("#reviews")).to_be_visible()
    expect(visitor.locator("#rating-count")).to_have_text("0 reviews")
    expect(visitor.get_by_text(text)).to_have_count(0)


def test_admin_pages_send_anonymous_visitors_to_sign_in(app, new_page):
    visitor = new_page("desktop")
    for path in ("/admin/users", "/admin/orders", "/admin/audit"):
        visitor.goto(path)
        # The static export serves pages at "<path>/", so the return address may end in "%2F".
        expect(visitor).to_have_url(re.compile(re.escape("/login?next=" + path.replace("/", "%2F")) + "(%2F)?$"))
        expect(visitor.locator("#login-email")).to_be_visible()
