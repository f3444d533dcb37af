"""Email addresses out of anything written down (log lines, error reports)."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def redact_emails(text: str) -> str:
    return _EMAIL.sub("[email]", text)
