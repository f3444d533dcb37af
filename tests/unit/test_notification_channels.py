"""The logging stand-ins for push and SMS keep personal data out of the log."""

import logging

from commerce.notifications.channels import LoggingPushSender, LoggingSmsSender, PushMessage, PushTarget


def test_the_sms_log_shows_only_the_last_digits_of_the_number(caplog):
    with caplog.at_level(logging.INFO, logger="commerce.notifications.channels"):
        LoggingSmsSender().send("+447700900123", "New sale: Icons")
    assert "0123" in caplog.text
    assert "New sale: Icons" in caplog.text
    assert "7700900" not in caplog.text


def test_the_push_log_names_the_push_service_and_the_page_but_not_the_subscription(caplog):
    target = PushTarget("https://push.example.net/wpush/v2/secret-token", "p256dh", "auth")
    with caplog.at_level(logging.INFO, logger="commerce.notifications.channels"):
        LoggingPushSender().send(target, PushMessage("New sale", "Icons for $15.00", "https://shop.test/seller"))
    assert "push.example.net" in caplog.text
    assert "https://shop.test/seller" in caplog.text
    assert "secret-token" not in caplog.text
