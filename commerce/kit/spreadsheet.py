"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """`value` as a cell; text starting like a formula gets a leading quote.

    People choose shop names, titles and emails, so any of them could be "=HYPERLINK(…)".
    Numbers such as "-12.50" stay numbers.
    """
    text = "" if value is None else str(value)
    if text[:1] in _FORMULA_STARTS and not _is_number(text):
        return "'" + text
    return text


def csv_row(values: list) -> str:
    """One CSV line (with its line ending) of safe cells."""
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(value) for value in values])
    return out.getvalue()


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except (InvalidOperation, ValueError):
        return False
    return True
