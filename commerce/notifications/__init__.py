"""Telling people things: email (outbox or SMTP) from templates, plus push and SMS ports."""

from commerce.notifications.channels import LoggingPushSender, LoggingSmsSender, PushSender, SmsSender
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
    "LoggingPushSender",
    "LoggingSmsSender",
    "OutboxEmailSender",
    "PushSender",
    "SmsSender",
    "SmtpEmailSender",
    "render_email",
]
