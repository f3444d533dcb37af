"""Email addresses as the marketplace stores and compares them."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from commerce.errors import ValidationError
from commerce.i18n import gettext


def normalise_email(email: str) -> str:
    """The address in one canonical form (lower case), or a ValidationError for the form's `email` field."""
    try:
        checked = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(gettext("Enter a valid email address, like name@example.com."), "email") from exc
    return checked.normalized.lower()
