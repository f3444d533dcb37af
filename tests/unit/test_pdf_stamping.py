import io
from datetime import datetime, timedelta, timezone

import pikepdf
import pypdf
import pytest
from pikepdf import Array, Dictionary, Matrix, Name

from commerce.delivery.stamping import XMP_NAMESPACE, footer_text, stamp_pdf
from commerce.errors import ValidationError

EMAIL = "ada(lovelace)\\test@example.com"  # parentheses and a backslash need escaping in PDF strings
ORDER = "ORD-2024-000123"
STAMPED_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2)))
FOOTER = footer_text(EMAIL, ORDER)
BASELINE = 10.0


def times_font(pdf: pikepdf.Pdf) -> Dictionary:
    return pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name("/Times-Roman")))


def build_source() -> bytes:
    """Pages that exercise every way a page can be put together."""
    pdf = pikepdf.new()
    font = times_font(pdf)
    original_text = b"BT /F1 24 Tf 72 700 Td (Original chapter one) Tj ET"

    # 0: Letter with its own content and font, which leaves the CTM scaled (no q/Q).
    letter = pdf.add_blank_page(page_size=(612, 792))
    letter.obj.Resources = Dictionary(Font=Dictionary(F1=font))
    letter.obj.Contents = pdf.make_stream(original_text + b"\n2 0 0 2 0 0 cm 0.9 0 0 rg")

    # 1: A4 rotated a quarter turn clockwise.
    rotated = pdf.add_blank_page(page_size=(595, 842))
    rotated.rotation = 90

    # 2: content split over an array of streams.
    split = pdf.add_blank_page(page_size=(420, 595))
    split.obj.Resources = Dictionary(Font=Dictionary(F1=font))
    split.obj.Contents = Array(
        [
            pdf.make_stream(b"BT /F1 12 Tf 50 500 Td"),
            pdf.make_stream(b"(Split content) Tj ET"),
        ]
    )

    # 3: no /Resources or /Contents at all, and a CropBox inside the MediaBox.
    bare = pdf.add_blank_page(page_size=(600, 800))
    del bare.obj.Resources
    del bare.obj.Contents
    bare.obj.CropBox = Array([50, 100, 550, 700])

    # 4: upside down, with a MediaBox not at the origin.
    upside_down = pdf.add_blank_page(page_size=(300, 300))
    upside_down.obj.MediaBox = Array([100, 200, 400, 500])
    upside_down.rotation = 180

    # 5: a quarter turn anticlockwise, written as -90.
    anticlockwise = pdf.add_blank_page(page_size=(400, 300))
    anticlockwise.obj.Rotate = -90

    # 6: a page whose unit is two points.
    large_units = pdf.add_blank_page(page_size=(300, 400))
    large_units.obj.UserUnit = 2

    # 7: a narrow page: the footer is set smaller so it still fits.
    pdf.add_blank_page(page_size=(150, 250))

    # 8: resources inherited from the page tree rather than set on the page.
    inherited = pdf.add_blank_page(page_size=(612, 792))
    del inherited.obj.Resources
    inherited.obj.Contents = pdf.make_stream(b"BT /F9 10 Tf 72 72 Td (Inherited font text) Tj ET")
    pdf.Root.Pages.Resources = Dictionary(Font=Dictionary(F9=font))

    pdf.docinfo[Name.Title] = "Field Guide"
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def source_bytes() -> bytes:
    return build_source()


@pytest.fixture(scope="module")
def stamped_bytes(source_bytes) -> bytes:
    dest = io.BytesIO()
    stamp_pdf(io.BytesIO(source_bytes), dest, buyer_email=EMAIL, order_reference=ORDER, stamped_at=STAMPED_AT)
    return dest.getvalue()


def footer_placements(pdf_bytes: bytes) -> list[list[tuple[str, Matrix, float]]]:
    """Per page, each text run equal to the footer: (text, text-to-user-space matrix, font size)."""
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages:
        runs = []

        def visit(text, cm, tm, _font, size, runs=runs):
            if text.strip() == FOOTER:
                runs.append((text, Matrix(*tm) @ Matrix(*cm), size))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def only_placement(pdf_bytes: bytes, index: int) -> tuple[tuple[float, float], tuple[float, float], float]:
    """Where the footer starts on page `index`, the direction it runs, and its height (user space)."""
    runs = footer_placements(pdf_bytes)[index]
    assert len(runs) == 1, runs
    _, matrix, size = runs[0]
    start = matrix.transform((0, 0))
    along = matrix.transform((1, 0))
    up = matrix.transform((0, 1))
    direction = (round(along[0] - start[0], 6), round(along[1] - start[1], 6))
    height = ((up[0] - start[0]) ** 2 + (up[1] - start[1]) ** 2) ** 0.5 * size
    return start, direction, height


def test_every_page_carries_the_footer_in_its_content_stream(stamped_bytes, source_bytes):
    with pikepdf.open(io.BytesIO(stamped_bytes)) as stamped, pikepdf.open(io.BytesIO(source_bytes)) as source:
        assert len(stamped.pages) == len(source.pages) == 9
        for page in stamped.pages:
            shown = [
                bytes(item).decode("cp1252")
                for operands, operator in pikepdf.parse_content_stream(page)
                if str(operator) in ("Tj", "TJ")
                for operand in operands
                for item in (operand if isinstance(operand, Array) else [operand])
                if isinstance(item, pikepdf.String)
            ]
            assert FOOTER in shown


def test_footer_reads_back_as_text_and_original_text_survives(stamped_bytes):
    reader = pypdf.PdfReader(io.BytesIO(stamped_bytes))
    texts = [page.extract_text() for page in reader.pages]
    assert all(FOOTER in text for text in texts)
    assert "Original chapter one" in texts[0]
    assert "Split content" in texts[2]
    assert "Inherited font text" in texts[8]


def test_footer_font_is_grey_helvetica_added_beside_existing_fonts(stamped_bytes):
    with pikepdf.open(io.BytesIO(stamped_bytes)) as pdf:
        for index, page in enumerate(pdf.pages):
            fonts = page.get_resources().get(Name.Font, Dictionary())
            helvetica = [name for name, font in fonts.items() if font.get(Name.BaseFont) == Name.Helvetica]
            assert len(helvetica) == 1, index
            assert fonts[helvetica[0]].Encoding == Name.WinAnsiEncoding
            if index in (0, 2):
                assert Name.F1 in fonts
            if index == 8:
                assert Name.F9 in fonts
        footer_stream = pdf.pages[1].obj.Contents[-1].read_bytes()
        assert b"0.45 0.45 0.45 rg" in footer_stream


def test_original_content_is_isolated_so_the_footer_starts_from_the_page_default_state(stamped_bytes):
    # Page 0's own content scales the CTM and never restores it. The stamped page must
    # save the state before that content and restore it before the footer: every Q
    # matches an earlier q (a viewer ignores an unmatched Q and would keep the scale).
    with pikepdf.open(io.BytesIO(stamped_bytes)) as pdf:
        for index, page in enumerate(pdf.pages):
            depth = 0
            for _, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "q":
                    depth += 1
                elif str(operator) == "Q":
                    depth -= 1
                    assert depth >= 0, f"unmatched Q on page {index}"
            assert depth == 0, index


def test_footer_sits_at_the_bottom_of_an_upright_page_despite_leftover_graphics_state(stamped_bytes):
    (x, y), direction, height = only_placement(stamped_bytes, 0)
    assert direction == (1, 0)
    assert y == pytest.approx(BASELINE)
    assert 18 <= x <= 306  # centred on the 612-point width
    assert height == pytest.approx(7)


@pytest.mark.parametrize(
    ("index", "expected_start", "expected_direction"),
    [
        # Rotate 90: the page as shown has its bottom edge along the user-space right edge.
        (1, (595 - BASELINE, None), (0, 1)),
        # Rotate 180 on MediaBox [100 200 400 500]: the shown bottom is the top edge, read right to left.
        (4, (None, 500 - BASELINE), (-1, 0)),
        # Rotate -90 == 270: the shown bottom is the left edge, read top to bottom.
        (5, (BASELINE, None), (0, -1)),
    ],
)
def test_footer_runs_along_the_bottom_of_a_rotated_page_as_shown(
    stamped_bytes, index, expected_start, expected_direction
):
    start, direction, _ = only_placement(stamped_bytes, index)
    assert direction == expected_direction
    for actual, expected in zip(start, expected_start, strict=False):
        if expected is not None:
            assert actual == pytest.approx(expected)


def test_footer_is_inside_the_crop_box(stamped_bytes):
    (x, y), _, _ = only_placement(stamped_bytes, 3)
    assert y == pytest.approx(100 + BASELINE)
    assert 50 < x < 300


def test_footer_keeps_its_size_in_points_on_a_page_with_a_user_unit(stamped_bytes):
    (_, y), _, height = only_placement(stamped_bytes, 6)
    # Two points per unit: 7-point text is 3.5 units tall, 10 points up is 5 units.
    assert height == pytest.approx(3.5)
    assert y == pytest.approx(BASELINE / 2)


def test_long_footer_is_set_smaller_to_fit_a_narrow_page(stamped_bytes):
    (x, _), _, height = only_placement(stamped_bytes, 7)
    assert x > 0  # centred, so starting inside the page means ending inside it too
    assert height < 7


def test_metadata_names_the_buyer_and_order(stamped_bytes):
    with pikepdf.open(io.BytesIO(stamped_bytes)) as pdf:
        assert str(pdf.docinfo[Name("/LicensedTo")]) == EMAIL
        assert str(pdf.docinfo[Name("/OrderReference")]) == ORDER
        assert str(pdf.docinfo[Name("/LicenseStampedAt")]).startswith("D:20240506070809+02")
        assert str(pdf.docinfo[Name.Title]) == "Field Guide"
        xmp = pdf.open_metadata()
        assert xmp["dc:title"] == "Field Guide"  # mirrored from the info dictionary
        assert xmp["dc:rights"] == FOOTER
        assert xmp[f"{{{XMP_NAMESPACE}}}LicensedTo"] == EMAIL
        assert xmp[f"{{{XMP_NAMESPACE}}}OrderReference"] == ORDER
        assert xmp[f"{{{XMP_NAMESPACE}}}StampedAt"] == STAMPED_AT.isoformat()


def test_existing_xmp_and_document_info_are_kept():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:title"] = "Field Guide"
        xmp["dc:creator"] = ["Ada Author"]
        xmp["dc:rights"] = "© 2024 Ada Author"
    pdf.docinfo[Name("/Subject")] = "Birds"
    source = io.BytesIO()
    pdf.save(source)
    source.seek(0)
    dest = io.BytesIO()
    stamp_pdf(source, dest, buyer_email=EMAIL, order_reference=ORDER, stamped_at=STAMPED_AT)
    with pikepdf.open(io.BytesIO(dest.getvalue())) as stamped:
        xmp = stamped.open_metadata()
        assert xmp["dc:title"] == "Field Guide"
        assert xmp["dc:creator"] == ["Ada Author"]
        assert xmp["dc:rights"] == f"© 2024 Ada Author\n{FOOTER}"
        assert str(stamped.docinfo[Name.Title]) == "Field Guide"
        assert str(stamped.docinfo[Name("/Subject")]) == "Birds"
        assert str(stamped.docinfo[Name("/LicensedTo")]) == EMAIL


def test_text_outside_the_standard_font_is_replaced_on_the_page_but_exact_in_metadata(source_bytes):
    dest = io.BytesIO()
    email = "李@例子.中国"
    stamp_pdf(io.BytesIO(source_bytes), dest, buyer_email=email, order_reference="Ö-1", stamped_at=STAMPED_AT)
    with pikepdf.open(io.BytesIO(dest.getvalue())) as pdf:
        assert str(pdf.docinfo[Name("/LicensedTo")]) == email
        assert pdf.open_metadata()[f"{{{XMP_NAMESPACE}}}LicensedTo"] == email
    text = pypdf.PdfReader(io.BytesIO(dest.getvalue())).pages[0].extract_text()
    assert "Licensed to ?@??.?? · Order Ö-1" in text


def test_source_stream_is_left_open_for_its_owner(source_bytes):
    source = io.BytesIO(source_bytes)
    stamp_pdf(source, io.BytesIO(), buyer_email=EMAIL, order_reference=ORDER, stamped_at=STAMPED_AT)
    assert not source.closed


def encrypted_pdf(user_password: str) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(owner="owner-secret", user=user_password))
    return buffer.getvalue()


@pytest.mark.parametrize("user_password", ["open-sesame", ""])
def test_encrypted_pdf_is_refused(user_password):
    dest = io.BytesIO()
    with pytest.raises(ValidationError, match="password-protected or encrypted"):
        stamp_pdf(
            io.BytesIO(encrypted_pdf(user_password)),
            dest,
            buyer_email=EMAIL,
            order_reference=ORDER,
            stamped_at=STAMPED_AT,
        )
    assert dest.getvalue() == b""


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"Just some notes, not a PDF.\n",
        b"\x89PNG\r\n\x1a\n" + bytes(64),
        b"%PDF-1.7\nthis is where the objects should be\n",
    ],
)
def test_non_pdf_is_refused(content):
    dest = io.BytesIO()
    with pytest.raises(ValidationError, match="not a readable PDF") as caught:
        stamp_pdf(io.BytesIO(content), dest, buyer_email=EMAIL, order_reference=ORDER, stamped_at=STAMPED_AT)
    assert caught.value.field == "file"
    assert dest.getvalue() == b""


def test_pdf_without_pages_is_refused():
    buffer = io.BytesIO()
    pikepdf.new().save(buffer)
    buffer.seek(0)
    with pytest.raises(ValidationError, match="no pages"):
        stamp_pdf(buffer, io.BytesIO(), buyer_email=EMAIL, order_reference=ORDER, stamped_at=STAMPED_AT)


def test_stamp_time_must_say_its_timezone(source_bytes):
    with pytest.raises(ValueError, match="timezone"):
        stamp_pdf(
            io.BytesIO(source_bytes),
            io.BytesIO(),
            buyer_email=EMAIL,
            order_reference=ORDER,
            stamped_at=datetime(2024, 5, 6, 7, 8, 9),
        )


@pytest.mark.parametrize(
    ("email", "order", "refusal"),
    [
        ("", ORDER, "buyer_email must be non-empty printable text"),
        (EMAIL, "  ", "order_reference must be non-empty printable text"),
        ("a@b.c\n", ORDER, "buyer_email must be non-empty printable text"),
    ],
)
def test_blank_or_multi_line_stamp_text_is_a_programming_error(source_bytes, email, order, refusal):
    with pytest.raises(ValueError, match=refusal):
        stamp_pdf(
            io.BytesIO(source_bytes), io.BytesIO(), buyer_email=email, order_reference=order, stamped_at=STAMPED_AT
        )
