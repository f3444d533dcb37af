"""Telling people things: email (outbox or SMTP) from templates, plus push and SMS ports."""

from commerce.notifications.channels import (
    LoggingPushSender,
    LoggingSmsSender,
    PushSender,
    SmsSender,
    push_sender,
    sms_sender,
)
from commerce.notifications.email import (
    EmailMessage,
    EmailSender,
    OutboxEmailSender,
    SmtpEmailSender,
    email_sender,
    render_and_send,
    render_email,
)

__all__ = [
    "render_and_send",
    "email_sender",
    "sms_sender",
    "push_sender",
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
