"""An online-only video's HLS over HTTP: the playlist and its segments reach only the
buyer's own browser session while the purchase stands; the playlist names no storage
key and no original file, every segment is a signed link of the app, and a changed,
expired or borrowed link is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from commerce.catalog import video_hls
from commerce.config import get_settings
from commerce.delivery import downloads, view_links, viewing
from commerce.models import DeliveryKind
from storefront.api_downloads import download_routes
from storefront.api_view import view_routes
from tests.domain.delivery.test_online_viewing import signed_in
from tests.fixtures.delivery import session_token
from tests.fixtures.video import needs_ffmpeg, tiny_video
from tests.security.test_online_only_routes import get

pytestmark = needs_ffmpeg


@pytest.fixture
def client(store):
    return TestClient(Starlette(routes=download_routes(lambda: store) + view_routes(lambda: store)))


@pytest.fixture
def film(shop, jobs, store):
    product = shop.product(kind=DeliveryKind.FILES)
    version = shop.version(product)
    file = shop.file(product, version, tiny_video(8), filename="film.mp4", content_type="video/mp4")
    song = shop.file(product, version, b"ID3\x04" + b"\x00" * 400, filename="song.mp3", content_type="audio/mpeg")
    downloads.set_delivery_settings(
        shop.s, shop.seller, product.id, download_limit=None, link_minutes=60, online_only=True
    )
    user, _ = shop.buyer()
    token, actor = signed_in(shop.s, user)
    order = shop.buy(actor, product)  # commits: the video is cut
    reader = viewing.open_reader(shop.s, actor, file.id, store=store)
    assert reader.hls_url
    return dict(file=file, song=song, user=user, token=token, actor=actor, order=order, reader=reader)


def _segments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_the_buyer_gets_a_playlist_of_app_links_and_segments_inline(shop, client, film, store):
    answer = get(client, film["reader"].hls_url, film["token"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    assert answer.headers["cache-control"] == "private, no-store"
    assert answer.text.startswith("#EXTM3U")
    assert film["file"].blob_key not in answer.text
    assert "hls/" not in answer.text
    assert "/api/download" not in answer.text
    assert "X-Amz" not in answer.text
    segments = _segments(answer.text)
    assert len(segments) == 2
    assert all(link.startswith(f"{view_links.VIEW_PATH}/") for link in segments)
    first = get(client, segments[0], film["token"])
    assert first.status_code == 200
    assert first.headers["content-type"] == "video/mp2t"
    assert first.headers["content-disposition"] == "inline"
    assert first.content[0] == 0x47
    ranged = get(client, segments[1], film["token"], range="bytes=0-187")
    assert ranged.status_code == 206
    assert len(ranged.content) == 188
    # HEAD answers the playlist's headers without its body.
    head = client.head(film["reader"].hls_url)
    assert head.status_code == 200
    assert head.content == b""


def test_playlist_and_segments_refuse_other_browsers_tampering_expiry_and_a_refund(shop, client, film):
    playlist = film["reader"].hls_url
    segment = _segments(get(client, playlist, film["token"]).text)[0]
    other, _ = shop.buyer()
    for url in (playlist, segment):
        for cookie in (None, session_token(shop.s, other), session_token(shop.s, film["user"])):
            refused = get(client, url, cookie)
            assert refused.status_code == 403
            assert b"\x47" not in refused.content[:1]
    assert get(client, segment.replace("/hls-0?", "/hls-1?"), film["token"]).status_code == 403
    assert get(client, playlist.replace("/hls?", "/stream?"), film["token"]).status_code == 403
    assert get(client, playlist + "&sig=" + "0" * 64, film["token"]).status_code == 403
    fulfilment_id = int(playlist.split("/")[3])
    expired = view_links.sign(
        get_settings().secret_key,
        fulfilment_id,
        film["file"].id,
        view_links.PLAYLIST,
        session_family=film["actor"].session_id,
        lifetime=view_links.STREAM_LINK_LIFETIME,
        now=datetime.now(UTC) - timedelta(minutes=31),
    )
    assert get(client, expired, film["token"]).status_code == 410
    beyond = view_links.sign(
        get_settings().secret_key,
        fulfilment_id,
        film["file"].id,
        view_links.segment_part(2),
        session_family=film["actor"].session_id,
        lifetime=timedelta(minutes=5),
    )
    assert get(client, beyond, film["token"]).status_code == 404
    assert get(client, segment, film["token"]).status_code == 200

    shop.refund(film["order"])
    shop.s.commit()
    for url in (playlist, segment):
        gone = get(client, url, film["token"])
        assert gone.status_code == 403
        assert "refunded" in gone.text


def test_a_song_cannot_be_asked_for_as_a_playlist_and_the_stream_still_plays(shop, client, film):
    for part in (view_links.PLAYLIST, view_links.segment_part(0)):
        # Genuinely signed for this browser, but a song has no HLS.
        link = view_links.sign(
            get_settings().secret_key,
            int(film["reader"].hls_url.split("/")[3]),
            film["song"].id,
            part,
            session_family=film["actor"].session_id,
            lifetime=timedelta(minutes=5),
        )
        assert get(client, link, film["token"]).status_code == 403
    # The video's ranged stream (what plays while it is being cut) still answers.
    stream = get(client, film["reader"].stream_url, film["token"], range="bytes=0-9")
    assert stream.status_code == 206
    rendition = video_hls.ready_rendition(shop.s, film["file"].sha256)
    assert rendition is not None
    assert rendition.segment_count == 2
