"""What a visit records: device class, referring host, UTM tags, and the source cookie."""

import pytest

from commerce.analytics.capture import (
    country_code,
    decode_source,
    device_class,
    encode_source,
    is_visitor_id,
    new_visitor_id,
    referrer_host,
    utm_from_url,
)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36", "desktop"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148", "phone"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36", "phone"),
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)", "tablet"),
        ("Mozilla/5.0 (Linux; Android 14; SM-X700) AppleWebKit/537.36 Safari/537.36", "tablet"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", None),
        ("curl/8.5.0", None),
        ("", "unknown"),
    ],
)
def test_device_class(user_agent, expected):
    assert device_class(user_agent) == expected


def test_referrer_host_ignores_direct_visits_and_our_own_pages():
    assert referrer_host("https://www.News.example/item?id=1", "shop.test") == "news.example"
    assert referrer_host("https://shop.test/p/a/b", "shop.test") is None
    assert referrer_host("https://www.shop.test/", "shop.test") is None
    assert referrer_host("", "shop.test") is None
    assert referrer_host("not a url", "shop.test") is None


def test_utm_tags_come_from_the_landing_address():
    assert utm_from_url("/?utm_source=Newsletter&utm_medium=email&utm_campaign=%20Launch%20&x=1") == {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "launch",
    }
    assert utm_from_url("/p/a/b") == {}
    assert len(utm_from_url("/?utm_campaign=" + "x" * 500)["utm_campaign"]) == 100


def test_the_source_cookie_round_trips_and_refuses_junk():
    cookie = encode_source("news.example", {"utm_source": "newsletter", "utm_campaign": "launch"})
    assert decode_source(cookie) == {
        "referrer_host": "news.example",
        "utm_source": "newsletter",
        "utm_medium": None,
        "utm_campaign": "launch",
    }
    assert decode_source("ref=<script>&utm_source=") == {
        "referrer_host": None,
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
    }
    assert decode_source("") == {"referrer_host": None, "utm_source": None, "utm_medium": None, "utm_campaign": None}


def test_visitor_ids_and_countries():
    assert is_visitor_id(new_visitor_id())
    assert new_visitor_id() != new_visitor_id()
    assert not is_visitor_id("1; DROP TABLE")
    assert not is_visitor_id(None)
    assert country_code("de") == "DE"
    assert country_code("XX") is None
    assert country_code("T1") is None
    assert country_code("Germany") is None
