"""Online-only videos are cut into HLS by a job (ffmpeg, ~6 s segments, in the blob store);
the buyer's player gets a playlist whose segments are signed links of the app, bound to
the purchase and the browser session; until the rendition is ready, or when ffmpeg fails,
the player streams the original as before and the failure is kept, not lost."""

import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from commerce import storage
from commerce.catalog import files, video_hls
from commerce.catalog.views import product_edit_view
from commerce.config import get_settings
from commerce.delivery import downloads, view_links, viewing
from commerce.delivery.downloads import AccessRevoked
from commerce.errors import NotFound, PermissionDenied
from commerce.models import DeliveryKind, ProductFile, RenditionStatus, VideoRendition
from tests.contracts.test_blobstore import new_s3_store
from tests.domain.delivery.test_online_viewing import signed_in, view_request
from tests.fixtures.catalog import make_seller
from tests.fixtures.delivery import session_token
from tests.fixtures.video import WEBM, needs_ffmpeg, probe, tiny_video

pytestmark = needs_ffmpeg
SEGMENT_LINK = re.compile(r"^/api/view/(\d+)/(\d+)/hls-(\d+)\?exp=\d+&sig=[0-9a-f]{64}$")


@pytest.fixture(scope="module")
def mp4() -> bytes:
    return tiny_video(13)


def _rendition(shop, file) -> VideoRendition:
    return shop.s.exec(select(VideoRendition).where(VideoRendition.sha256 == file.sha256)).one()


@pytest.fixture
def watching(shop, jobs, mp4):
    """An online-only product with a 13 s H.264/AAC film, bought by a signed-in buyer."""
    product = shop.product(kind=DeliveryKind.FILES)
    version = shop.version(product)
    film = shop.file(product, version, mp4, filename="film.mp4", content_type="video/mp4")
    downloads.set_delivery_settings(
        shop.s, shop.seller, product.id, download_limit=None, link_minutes=60, online_only=True
    )
    user, _ = shop.buyer(email="viewer@example.com")
    token, actor = signed_in(shop.s, user)
    order = shop.buy(actor, product)  # commits: the segmenting job runs
    return dict(product=product, version=version, film=film, user=user, token=token, actor=actor, order=order)


def test_an_online_only_video_is_cut_into_six_second_segments_in_storage(shop, watching, jobs, store):
    rendition = _rendition(shop, watching["film"])
    assert (rendition.status, rendition.transcoded, rendition.error) == (RenditionStatus.READY, False, None)
    assert len(jobs.ran(video_hls.segment_video)) == 1
    # 13 s with a keyframe every 2 s: 6 s, 6 s and the last second.
    assert rendition.segment_count == 3
    with store.open(video_hls.playlist_key(rendition)) as stored:
        playlist = stored.read().decode()
    durations = [float(d) for d in re.findall(r"#EXTINF:([0-9.]+),", playlist)]
    assert durations == pytest.approx([6, 6, 1], abs=0.2)
    assert "#EXT-X-ENDLIST" in playlist
    for index in range(3):
        with store.open(video_hls.segment_key(rendition, index)) as stored:
            segment = stored.read()
        assert segment[0] == 0x47  # an MPEG-TS packet
        assert probe(segment) == {"video": "h264", "audio": "aac"}


def test_a_video_browsers_cannot_play_as_it_is_is_re_encoded(shop, jobs, store):
    product = shop.product(kind=DeliveryKind.FILES)
    film = shop.file(
        product, shop.version(product), tiny_video(4, WEBM), filename="clip.webm", content_type="video/webm"
    )
    files.set_file_online_only(shop.s, shop.seller, film.id, True)
    shop.s.commit()
    rendition = _rendition(shop, film)
    assert (rendition.status, rendition.transcoded) == (RenditionStatus.READY, True)
    with store.open(video_hls.segment_key(rendition, 0)) as stored:
        assert probe(stored.read()) == {"video": "h264", "audio": "aac"}


def test_the_same_video_in_a_new_version_is_not_cut_again_and_downloadable_videos_never_are(shop, watching, jobs):
    files.create_version(shop.s, shop.seller, watching["product"].id, label="2", carry_over_files=True)
    shop.s.commit()
    assert len(jobs.ran(video_hls.segment_video)) == 1
    other = shop.product(kind=DeliveryKind.FILES)
    free = shop.file(
        other, shop.version(other), b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 64, "free.mp4", content_type="video/mp4"
    )
    assert video_hls.ensure_rendition(shop.s, free) is None
    shop.s.commit()
    assert len(jobs.ran(video_hls.segment_video)) == 1


def test_the_player_gets_a_playlist_of_signed_segment_links_and_no_storage_key(shop, watching, store):
    reader = viewing.open_reader(shop.s, watching["actor"], watching["film"].id, store=store)
    assert reader.kind == "video"
    assert reader.stream_url
    assert reader.hls_url.endswith(f"/{watching['film'].id}/hls?" + reader.hls_url.split("?")[1])
    ticket = view_request(shop.s, reader.hls_url, watching["token"])
    assert ticket.playlist
    assert ticket.content_type == "application/vnd.apple.mpegurl"
    text = viewing.playlist(ticket, store)
    rendition = _rendition(shop, watching["film"])
    assert rendition.prefix not in text
    assert watching["film"].blob_key not in text
    assert "seg-" not in text
    links = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(links) == 3
    assert all(SEGMENT_LINK.match(link) for link in links), links
    assert [int(SEGMENT_LINK.match(link).group(3)) for link in links] == [0, 1, 2]

    # Each segment link serves that segment's blob, and lives past the playlist's half hour.
    second = view_request(shop.s, links[1], watching["token"])
    assert (second.segment, second.blob_key, second.content_type) == (
        1,
        video_hls.segment_key(rendition, 1),
        "video/mp2t",
    )
    expires = datetime.fromtimestamp(int(parse_qs(urlsplit(links[1]).query)["exp"][0]), UTC)
    assert view_links.STREAM_LINK_LIFETIME < expires - datetime.now(UTC) <= viewing.segment_link_lifetime(3)


def test_playlist_and_segment_links_are_refused_elsewhere_tampered_expired_and_after_a_refund(shop, watching, store):
    reader = viewing.open_reader(shop.s, watching["actor"], watching["film"].id, store=store)
    text = viewing.playlist(view_request(shop.s, reader.hls_url, watching["token"]), store)
    segment = next(line for line in text.splitlines() if line.startswith("/api/view/"))
    other, _ = shop.buyer()
    for url in (reader.hls_url, segment):
        # Another buyer, no session, and the same buyer signed in on another browser.
        for token in (session_token(shop.s, other), None, session_token(shop.s, watching["user"])):
            with pytest.raises(view_links.InvalidViewLink):
                view_request(shop.s, url, token)
    for changed in (
        segment.replace("/hls-0?", "/hls-1?"),  # another segment under this one's signature
        reader.hls_url.replace("/hls?", "/stream?"),
        reader.stream_url.replace("/stream?", "/hls?"),
        segment[:-1] + ("0" if segment[-1] != "0" else "1"),
    ):
        with pytest.raises(view_links.InvalidViewLink):
            view_request(shop.s, changed, watching["token"])
    # A segment the rendition does not have, even under a genuine signature.
    fulfilment_id = urlsplit(reader.hls_url).path.split("/")[3]
    beyond = view_links.sign(
        get_settings().secret_key,
        int(fulfilment_id),
        watching["film"].id,
        view_links.segment_part(3),
        session_family=watching["actor"].session_id,
        lifetime=timedelta(minutes=5),
    )
    with pytest.raises(NotFound):
        view_request(shop.s, beyond, watching["token"])
    # Expired.
    parts = urlsplit(segment)
    _, _, _, f_id, fl_id, part = parts.path.split("/")
    query = parse_qs(parts.query)
    with pytest.raises(view_links.ExpiredViewLink):
        view_links.verify(
            get_settings().secret_key,
            f_id,
            fl_id,
            part,
            query["exp"][0],
            query["sig"][0],
            session_family=watching["actor"].session_id,
            now=datetime.fromtimestamp(int(query["exp"][0]), UTC) + timedelta(seconds=1),
        )
    # A refund stops the playlist and every segment at once.
    shop.refund(watching["order"])
    shop.s.commit()
    for url in (reader.hls_url, segment):
        with pytest.raises(AccessRevoked):
            view_request(shop.s, url, watching["token"])


def test_a_video_ffmpeg_cannot_read_plays_from_the_stream_and_the_failure_is_kept(shop, jobs, store):
    product = shop.product(kind=DeliveryKind.FILES)
    broken = shop.file(
        product,
        shop.version(product),
        b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 4000,
        filename="broken.mp4",
        content_type="video/mp4",
    )
    files.set_file_online_only(shop.s, shop.seller, broken.id, True)
    shop.s.commit()
    (failure,) = jobs.take_failures()
    assert failure.job is video_hls.segment_video
    rendition = _rendition(shop, broken)
    assert rendition.status == RenditionStatus.FAILED
    assert rendition.error

    user, _ = shop.buyer()
    token, actor = signed_in(shop.s, user)
    shop.buy(actor, product)
    reader = viewing.open_reader(shop.s, actor, broken.id, store=store)
    assert (reader.hls_url, bool(reader.stream_url)) == ("", True)
    assert view_request(shop.s, reader.stream_url, token).blob_key == broken.blob_key
    shop.s.commit()
    assert len(jobs.ran(video_hls.segment_video)) == 1  # a failed rendition is not asked for again


def test_while_the_video_is_being_cut_the_player_streams_the_original(shop, jobs, store):
    product = shop.product(kind=DeliveryKind.FILES)
    film = shop.file(product, shop.version(product), b"\x00" * 64, filename="film.mp4", content_type="video/mp4")
    film.online_only = True  # made online only before renditions existed: nothing was asked for
    user, _ = shop.buyer()
    token, actor = signed_in(shop.s, user)
    shop.buy(actor, product)
    # Opening the player asks for it; the job runs after this (never committed) transaction.
    reader = viewing.open_reader(shop.s, actor, film.id, store=store)
    assert _rendition(shop, film).status == RenditionStatus.PENDING
    assert reader.hls_url == ""
    assert reader.stream_url
    playlist = reader.stream_url.replace("/stream?", "/hls?")
    with pytest.raises(view_links.InvalidViewLink):
        view_request(shop.s, playlist, token)


def test_with_s3_the_rendition_is_stored_in_the_bucket_and_served_through_the_app(shop, jobs, moto_endpoint, mp4):
    bucket = new_s3_store(moto_endpoint)
    with storage.blob_store.replaced(bucket):
        product = shop.product(kind=DeliveryKind.FILES)
        blob = bucket.put(f"products/{product.id}/files/film", io.BytesIO(mp4), content_type="video/mp4")
        film = ProductFile(
            product_id=product.id,
            version_id=shop.version(product).id,
            filename="film.mp4",
            blob_key=blob.key,
            size_bytes=blob.size,
            sha256=blob.sha256,
            content_type="video/mp4",
        )
        shop.s.add(film)
        shop.s.flush()
        files.set_file_online_only(shop.s, shop.seller, film.id, True)
        shop.s.commit()  # the job cuts it, reading and writing the bucket
        rendition = _rendition(shop, film)
        assert rendition.status == RenditionStatus.READY
        assert bucket.exists(video_hls.playlist_key(rendition))
        assert bucket.exists(video_hls.segment_key(rendition, 2))

        user, _ = shop.buyer()
        token, actor = signed_in(shop.s, user)
        shop.buy(actor, product)
        reader = viewing.open_reader(shop.s, actor, film.id, store=bucket)
        text = viewing.playlist(view_request(shop.s, reader.hls_url, token), bucket)
        assert "X-Amz" not in text
        assert rendition.prefix not in text
        last = [line for line in text.splitlines() if line.startswith("/api/view/")][-1]
        ticket = view_request(shop.s, last, token)
        with bucket.open(ticket.blob_key) as segment:
            assert segment.read(1) == b"\x47"


def _streaming_shown_to_seller(view, file_id: int) -> tuple[str, str]:
    [shown] = [f for version in view.versions for f in version.files if f.id == file_id]
    return shown.streaming, shown.streaming_problem


def test_the_seller_sees_a_failed_preparation_and_can_ask_for_another_try(shop, jobs):
    product = shop.product(kind=DeliveryKind.FILES)
    broken = shop.file(
        product,
        shop.version(product),
        b"\x00\x00\x00\x18ftypmp42" + b"\x02" * 4000,
        "broken.mp4",
        content_type="video/mp4",
    )
    view = files.set_file_online_only(shop.s, shop.seller, broken.id, True)
    assert _streaming_shown_to_seller(view, broken.id) == ("preparing", "")
    shop.s.commit()
    assert [run.job for run in jobs.take_failures()] == [video_hls.segment_video]
    status, problem = _streaming_shown_to_seller(product_edit_view(shop.s, product, shop.shop), broken.id)
    assert status == "failed"
    assert problem  # ffmpeg's reason, for the seller

    files.prepare_streaming_again(shop.s, shop.seller, broken.id)
    view = files.prepare_streaming_again(shop.s, shop.seller, broken.id)  # a second click
    assert _streaming_shown_to_seller(view, broken.id) == ("preparing", "")
    shop.s.commit()
    assert len(jobs.ran(video_hls.segment_video)) == 2  # one more attempt, not one per click
    assert [run.job for run in jobs.take_failures()] == [video_hls.segment_video]
    assert _streaming_shown_to_seller(product_edit_view(shop.s, product, shop.shop), broken.id)[0] == "failed"


def test_only_the_shops_seller_can_ask_for_another_try(shop, jobs):
    product = shop.product(kind=DeliveryKind.FILES)
    film = shop.file(product, shop.version(product), b"\x00" * 64, "film.mp4", content_type="video/mp4")
    with pytest.raises((PermissionDenied, NotFound)):
        files.prepare_streaming_again(shop.s, make_seller(shop.s, "stranger"), film.id)
