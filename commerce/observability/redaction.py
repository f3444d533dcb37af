"""Email addresses out of anything written down (log lines, error reports)."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def redact_emails(text: str) -> str:
    # Every value of every log line passes here; an address has an "@", most values none.
    return _EMAIL.sub("[email]", text) if "@" in text else text
