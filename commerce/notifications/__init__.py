"""Telling people things: email (outbox or SMTP) from templates, Web Push to the browsers a
person subscribed (`push`, `webpush`), and SMS (`sms_twilio`)."""

from commerce.notifications.channels import (
    DeliveryFailed,
    LoggingPushSender,
    LoggingSmsSender,
    PushGone,
    PushMessage,
    PushSender,
    PushTarget,
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
    "DeliveryFailed",
    "PushGone",
    "PushMessage",
    "PushTarget",
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
