"""Telling people things: email (outbox or SMTP) rendered from templates."""

from commerce.notifications.email import (
    EmailMessage,
    EmailSender,
    OutboxEmailSender,
    SmtpEmailSender,
    render_email,
)

__all__ = [
    "EmailMessage",
    "EmailSender",
    "OutboxEmailSender",
    "SmtpEmailSender",
    "render_email",
]
