"""Stamp a PDF with the buyer it was sold to, visibly and in its metadata.

Every page gets a small grey footer, "Licensed to <email> · Order <ref>", drawn upright
at the bottom of the page as a viewer shows it (whatever its /Rotate, /CropBox or
/UserUnit), in the standard Helvetica font so nothing is embedded. The document
carries the same facts in XMP (dc:rights and a namespace of our own) and in its
document information dictionary (/LicensedTo, /OrderReference, /LicenseStampedAt).

The source is read once by pikepdf, which fetches objects from the stream as it needs
them; the stamped document is written straight to `dest`.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import BinaryIO

import pikepdf
from pikepdf import Dictionary, Matrix, Name, String
from pikepdf.canvas import ContentStreamBuilder
from pikepdf.models.metadata import PdfMetadata, encode_pdf_date

from commerce.errors import ValidationError

# A namespace name under the reserved .invalid domain cannot collide with anyone's.
XMP_NAMESPACE = "https://ns.commerce.invalid/license-stamp/1.0/"
XMP_PREFIX = "licensestamp"
PdfMetadata.register_xml_namespace(XMP_NAMESPACE, XMP_PREFIX)

FONT_SIZE = 7.0  # points, as the page is seen
BASELINE_FROM_BOTTOM = 10.0  # points from the bottom edge of the visible page
SIDE_MARGIN = 18.0  # points kept clear on each side; longer footers are set smaller
GREY = 0.45

# Helvetica advance widths (Adobe AFM, 1/1000 em) for WinAnsi codes 32..126.
_HELVETICA_ASCII_WIDTHS = (
    278,
    278,
    355,
    556,
    556,
    889,
    667,
    191,
    333,
    333,
    389,
    584,
    278,
    333,
    278,
    278,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    278,
    278,
    584,
    584,
    584,
    556,
    1015,
    667,
    667,
    722,
    722,
    667,
    611,
    778,
    722,
    278,
    500,
    667,
    556,
    833,
    722,
    778,
    667,
    778,
    722,
    667,
    611,
    722,
    667,
    944,
    667,
    667,
    611,
    278,
    278,
    278,
    469,
    556,
    333,
    556,
    556,
    500,
    556,
    556,
    278,
    556,
    556,
    222,
    222,
    500,
    222,
    833,
    556,
    556,
    556,
    556,
    333,
    500,
    278,
    556,
    500,
    722,
    500,
    500,
    500,
    334,
    260,
    334,
    584,
)
_MIDDLE_DOT = 0xB7  # "·" in WinAnsiEncoding, 278 wide in Helvetica
# No Helvetica glyph in WinAnsi is wider than this, so unknown widths never overflow.
_WIDEST_GLYPH = 1015

_NOT_A_PDF = "This file is not a readable PDF, so it cannot be stamped and delivered."
_ENCRYPTED = (
    "This PDF is password-protected or encrypted. Upload it without a password so it can be stamped for each buyer."
)
_NO_PAGES = "This PDF has no pages, so there is nothing to deliver."


def footer_text(buyer_email: str, order_reference: str) -> str:
    return f"Licensed to {buyer_email} · Order {order_reference}"


def _require_printable(name: str, value: str) -> None:
    if not value.strip() or any(unicodedata.category(char).startswith("C") for char in value):
        raise ValueError(f"{name} must be non-empty printable text.")


def _encode_winansi(text: str) -> bytes:
    # Helvetica with WinAnsiEncoding has no glyphs outside cp1252; those show as "?".
    # The metadata keeps the exact text.
    return text.encode("cp1252", errors="replace")


def _text_width(encoded: bytes, font_size: float) -> float:
    units = 0
    for code in encoded:
        if 32 <= code <= 126:
            units += _HELVETICA_ASCII_WIDTHS[code - 32]
        elif code == _MIDDLE_DOT:
            units += 278
        else:
            units += _WIDEST_GLYPH
    return units * font_size / 1000


def _visible_box(page: pikepdf.Page) -> tuple[float, float, float, float]:
    x_a, y_a, x_b, y_b = (float(value) for value in page.cropbox)
    return min(x_a, x_b), min(y_a, y_b), max(x_a, x_b), max(y_a, y_b)


def _display_to_user(rotation: int, box: tuple[float, float, float, float]) -> Matrix:
    """Maps coordinates measured on the page as displayed (origin at its visible
    bottom-left corner) to the page's own user space, undoing a clockwise /Rotate."""
    x0, y0, x1, y1 = box
    if rotation == 90:
        return Matrix(0, 1, -1, 0, x1, y0)
    if rotation == 180:
        return Matrix(-1, 0, 0, -1, x1, y1)
    if rotation == 270:
        return Matrix(0, -1, 1, 0, x0, y1)
    return Matrix(1, 0, 0, 1, x0, y0)


def _footer_stream(page: pikepdf.Page, font_name: Name, encoded: bytes) -> bytes:
    box = _visible_box(page)
    rotation = page.rotation  # clockwise, normalised to [0, 360) by pikepdf
    if rotation not in (90, 180, 270):
        rotation = 0  # not a multiple of 90: invalid, and viewers draw such pages upright
    # /UserUnit makes one unit of user space that many points; sizes here are in points.
    points_per_unit = float(page.obj.get(Name.UserUnit, 1)) or 1.0
    width, height = box[2] - box[0], box[3] - box[1]
    display_width = height if rotation in (90, 270) else width
    display_width_points = display_width * points_per_unit

    font_size = FONT_SIZE
    natural_width = _text_width(encoded, font_size)
    available = max(display_width_points - 2 * SIDE_MARGIN, display_width_points / 2)
    if natural_width > available:
        font_size *= available / natural_width
    text_width = _text_width(encoded, font_size)
    scale = 1 / points_per_unit

    builder = ContentStreamBuilder()
    builder.push()
    builder.cm(Matrix(scale, 0, 0, scale, 0, 0) @ _display_to_user(rotation, box))
    builder.set_fill_color(GREY, GREY, GREY)
    builder.begin_text()
    builder.set_text_font(font_name, round(font_size, 3))
    builder.move_cursor(round((display_width_points - text_width) / 2, 3), BASELINE_FROM_BOTTOM)
    builder.show_text(encoded)
    builder.end_text()
    builder.pop()
    return builder.build()


def _write_metadata(pdf: pikepdf.Pdf, buyer_email: str, order_reference: str, stamped_at: datetime) -> None:
    # The document's own title, author and dates stay as they are: only our fields change.
    had_xmp = Name.Metadata in pdf.Root
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        if not had_xmp:
            # Readers that prefer XMP would otherwise see a document without its title.
            standard = {str(name) for _, _, name, _ in xmp.DOCINFO_MAPPING}
            xmp.load_from_docinfo({key: value for key, value in pdf.docinfo.items() if key in standard})
        # The seller's own rights statement (e.g. a copyright line) stays first.
        seller_rights = str(xmp.get("dc:rights") or "").strip()
        licence = footer_text(buyer_email, order_reference)
        xmp["dc:rights"] = f"{seller_rights}\n{licence}" if seller_rights else licence
        xmp["xmpRights:Marked"] = "True"
        xmp[f"{XMP_PREFIX}:LicensedTo"] = buyer_email
        xmp[f"{XMP_PREFIX}:OrderReference"] = order_reference
        xmp[f"{XMP_PREFIX}:StampedAt"] = stamped_at.isoformat()
    pdf.docinfo[Name("/LicensedTo")] = String(buyer_email)
    pdf.docinfo[Name("/OrderReference")] = String(order_reference)
    pdf.docinfo[Name("/LicenseStampedAt")] = String(encode_pdf_date(stamped_at))


def stamp_pdf(
    source: BinaryIO,
    dest: BinaryIO,
    *,
    buyer_email: str,
    order_reference: str,
    stamped_at: datetime,
) -> None:
    """Write to `dest` a copy of the PDF in `source` stamped for this buyer and order.

    `source` must be seekable and stay open until this returns. Raises ValidationError
    when the source is not a readable PDF, is encrypted, or has no pages; a damaged
    object found only while writing can leave a partial write in `dest`, so write to a
    temporary file and keep it only on success.
    """
    _require_printable("buyer_email", buyer_email)
    _require_printable("order_reference", order_reference)
    if stamped_at.tzinfo is None:
        raise ValueError("stamped_at must be timezone-aware.")
    encoded = _encode_winansi(footer_text(buyer_email, order_reference))
    try:
        pdf = pikepdf.open(source)
    except pikepdf.PasswordError:
        raise ValidationError(_ENCRYPTED, "file") from None
    except pikepdf.PdfError:
        raise ValidationError(_NOT_A_PDF, "file") from None
    with pdf:
        if pdf.is_encrypted:
            raise ValidationError(_ENCRYPTED, "file")
        if len(pdf.pages) == 0:
            raise ValidationError(_NO_PAGES, "file")
        try:
            font = pdf.make_indirect(
                Dictionary(
                    Type=Name.Font,
                    Subtype=Name.Type1,
                    BaseFont=Name.Helvetica,
                    Encoding=Name.WinAnsiEncoding,
                )
            )
            font_name = Name.random(prefix="LicenseStamp")
            # The original content runs inside q ... Q, so whatever graphics state it
            # leaves behind cannot move, scale or recolour the footer.
            save_state = pdf.make_stream(b"q\n")
            for page in pdf.pages:
                page.add_resource(font, Name.Font, font_name)
                footer = _footer_stream(page, font_name, encoded)
                page.contents_add(save_state, prepend=True)
                page.contents_add(pdf.make_stream(b"Q\n" + footer), prepend=False)
            _write_metadata(pdf, buyer_email, order_reference, stamped_at)
            pdf.save(dest)
        except pikepdf.PdfError:
            raise ValidationError(_NOT_A_PDF, "file") from None
