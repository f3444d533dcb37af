"""A PDF's fingerprint, in three layers (pikepdf).

- XMP metadata: ``fingerprint:Mark`` in a namespace of our own;
- the document id: the first /ID string starts with ``FP1:`` and the payload
  (qpdf and pikepdf keep the first id when they rewrite a file);
- every page: a text object drawn in render mode 3 (invisible) with the mark as its
  string, in its own content stream after the page's own. Re-saving by another tool
  keeps page content, and removing pages leaves the mark on those that remain.
"""

from __future__ import annotations

from typing import BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from pikepdf.models.metadata import PdfMetadata

from commerce.fingerprints.evidence import LayerEvidence, judge
from commerce.fingerprints.payload import as_text, from_text

XMP_NAMESPACE = "https://ns.commerce.invalid/fingerprint/1.0/"
XMP_PREFIX = "fingerprint"
XMP_KEY = f"{XMP_PREFIX}:Mark"
PdfMetadata.register_xml_namespace(XMP_NAMESPACE, XMP_PREFIX)
ID_PREFIX = b"FP1:"
LAYER_XMP = "PDF XMP metadata"
LAYER_ID = "PDF document id"
LAYER_PAGES = "PDF page content"
# Pages read when tracing: a mark is on every page, so a few are plenty.
PAGES_READ = 8


class NotAPdf(ValueError):
    pass


def mark_pdf(source: BinaryIO, dest: BinaryIO, payload: bytes) -> None:
    """Write to `dest` the PDF in `source` carrying `payload` in all three layers."""
    text = as_text(payload)
    try:
        pdf = pikepdf.open(source)
    except (pikepdf.PasswordError, pikepdf.PdfError) as error:
        raise NotAPdf(str(error)) from None
    with pdf:
        font = pdf.make_indirect(
            Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding)
        )
        font_name = Name("/FPMark")
        # q/Q around the original content, so its graphics state cannot leak into the mark.
        before = pdf.make_stream(b"q\n")
        after = pdf.make_stream(b"Q\nq BT 3 Tr /FPMark 1 Tf 1 0 0 1 0 0 Tm (" + text.encode("ascii") + b") Tj ET Q\n")
        for page in pdf.pages:
            page.add_resource(font, Name.Font, font_name, replace_existing=True)
            page.contents_add(before, prepend=True)
            page.contents_add(after, prepend=False)
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp[XMP_KEY] = text
        second = pdf.trailer.ID[1] if Name.ID in pdf.trailer and len(pdf.trailer.ID) > 1 else String(payload * 2)
        pdf.trailer.ID = Array([String(ID_PREFIX + payload + bytes(4)), second])
        pdf.save(dest, static_id=True)


def _page_payload(page: pikepdf.Page) -> bytes | None:
    try:
        instructions = pikepdf.parse_content_stream(page)
    except pikepdf.PdfError:
        return None
    for instruction in instructions:
        if isinstance(instruction, pikepdf.ContentStreamInstruction) and str(instruction.operator) == "Tj":
            operand = instruction.operands[0]
            if isinstance(operand, String):
                found = from_text(bytes(operand).decode("latin-1"))
                if found is not None:
                    return found
    return None


def read_pdf(source: BinaryIO, key: bytes) -> list[LayerEvidence]:
    try:
        pdf = pikepdf.open(source)
    except (pikepdf.PasswordError, pikepdf.PdfError) as error:
        raise NotAPdf(str(error)) from None
    with pdf:
        try:
            meta = pdf.open_metadata()
            xmp_payload = from_text(str(meta.get(XMP_KEY) or ""))
        except Exception:  # damaged XMP: the layer is simply not there
            xmp_payload = None
        id_payload = None
        if Name.ID in pdf.trailer and len(pdf.trailer.ID) > 0:
            first = bytes(pdf.trailer.ID[0])
            if first.startswith(ID_PREFIX) and len(first) >= len(ID_PREFIX) + 8:
                id_payload = first[len(ID_PREFIX) : len(ID_PREFIX) + 8]
        page_payloads = [_page_payload(page) for page in list(pdf.pages)[:PAGES_READ]]
        found = [p for p in page_payloads if p is not None]
        pages_detail = f"on {len(found)} of {len(page_payloads)} pages read" if page_payloads else "no pages"
        # Pages disagreeing would mean pages from different copies were combined: report the first.
        return [
            judge(key, LAYER_XMP, xmp_payload),
            judge(key, LAYER_ID, id_payload),
            judge(key, LAYER_PAGES, found[0] if found else None, pages_detail),
        ]
