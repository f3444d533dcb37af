"""Email, push and SMS as background jobs, so no request waits on a mail server or a vendor."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, col, select

from commerce import i18n
from commerce.config import get_settings
from commerce.db import unit_of_work
from commerce.jobs import claim_idempotency_key, enqueue_after_commit, job
from commerce.kit.time import utcnow
from commerce.links import absolute
from commerce.models import PushSubscription, User
from commerce.notifications import preferences, push
from commerce.notifications.channels import (
    DeliveryFailed,
    PushGone,
    PushMessage,
    PushTarget,
    push_sender,
    sms_sender,
)
from commerce.notifications.email import EmailMessage, render_and_send, render_email

log = logging.getLogger(__name__)


@job(max_retries=5, min_backoff_ms=15_000, queue="email", priority=2)
def send_email(
    to: str, kind: str, context: dict[str, Any], idempotency_key: str | None = None, language: str = "en"
) -> None:
    """Render and send one email in `language`, unless the recipient switched this kind off."""
    with unit_of_work() as session:
        deliver_email(session, to=to, kind=kind, context=context, idempotency_key=idempotency_key, language=language)


def deliver_email(
    session: Session,
    *,
    to: str,
    kind: str,
    context: dict[str, Any],
    idempotency_key: str | None = None,
    language: str = "en",
) -> bool:
    """The email job's work in `session`; True when sent.

    With a key it is sent once per key, however often it runs. The preference is
    read when sending, so every sender respects it and a change applies at once.
    """

    if not preferences.email_allowed(session, to, kind):
        log.info("%s email to %s not sent: switched off in their preferences", kind, to)
        return False
    # With a key, the claim commits only if the send succeeded; a failed send leaves it for the retry.
    if idempotency_key is not None and not claim_idempotency_key(session, f"email:{idempotency_key}"):
        return False
    render_and_send(to=to, kind=kind, language=language, **context)
    return True


def enqueue_email(
    session: Session,
    *,
    to: str,
    kind: str,
    idempotency_key: str | None = None,
    language: str | None = None,
    render_now: bool = True,
    **context: Any,
) -> None:
    """Send `kind` to `to` once `session` commits, in `language` (an order's, for its emails),
    else the language the recipient saved, else the current one (the page that caused it).

    Rendered once now as a check, so a bad address or a missing template value fails the
    request instead of a worker's retries. A job passes `render_now=False`: its own failure
    is retried and recorded as the send's would be, so the check would only render twice.
    """
    # The saved language is read only when the caller named none we have (a receipt names the order's).
    spoken = i18n.supported(language) or i18n.choose(_saved_language(session, to), i18n.current_language())
    if render_now:
        subject, text, html = render_email(kind, language=spoken, **context)
        EmailMessage(to=to, subject=subject, text=text, html=html)
    enqueue_after_commit(
        session,
        send_email,
        to=to,
        kind=kind,
        context=context,
        idempotency_key=idempotency_key,
        language=spoken,
    )


def _saved_language(session: Session, email: str) -> str | None:
    """The language the account with this email chose in the language menu, if any."""
    chosen = session.exec(select(User.language).where(col(User.email) == email.strip().lower())).first()
    return str(chosen) if chosen else None


@job(max_retries=5, min_backoff_ms=15_000, queue="devices")
def send_push(user_id: int, kind: str, title: str, body: str, url: str, idempotency_key: str | None = None) -> None:
    with unit_of_work() as session:
        deliver_push(
            session, user_id=user_id, kind=kind, title=title, body=body, url=url, idempotency_key=idempotency_key
        )


def deliver_push(
    session: Session, *, user_id: int, kind: str, title: str, body: str, url: str, idempotency_key: str | None = None
) -> int:
    """Push `kind` to each browser `user_id` subscribed, if they still want it by push when it
    is sent; returns how many browsers it goes to. One job per browser after commit, so a
    push service that fails is retried without pushing the others twice."""

    if not preferences.allows(session, user_id, kind, "push"):
        return 0
    if url.startswith("/"):  # a page of this site: the device opens it from outside
        url = absolute(get_settings().base_url, url)
    devices = push.targets(session, user_id)
    for device_id in devices:
        enqueue_after_commit(
            session,
            push_to_device,
            subscription_id=device_id,
            title=title,
            body=body,
            url=url,
            idempotency_key=None if idempotency_key is None else f"{idempotency_key}:{device_id}",
        )
    return len(devices)


@job(max_retries=5, min_backoff_ms=15_000, queue="devices")
def push_to_device(subscription_id: int, title: str, body: str, url: str, idempotency_key: str | None = None) -> None:
    with unit_of_work() as session:
        deliver_to_device(
            session, subscription_id=subscription_id, title=title, body=body, url=url, idempotency_key=idempotency_key
        )


def deliver_to_device(
    session: Session, *, subscription_id: int, title: str, body: str, url: str, idempotency_key: str | None = None
) -> bool:
    """One push message to one browser; True when the push service took it.

    A subscription the push service no longer knows (404, 410) is deleted; any other
    failure raises, so the job tries again (and the idempotency claim is not kept)."""
    row = session.get(PushSubscription, subscription_id)
    if row is None:  # removed by its owner, or gone, since the message was scheduled
        return False
    if idempotency_key is not None and not claim_idempotency_key(session, f"push:{idempotency_key}"):
        return False
    try:
        push_sender().send(PushTarget(row.endpoint, row.p256dh, row.auth), PushMessage(title, body, url))
    except PushGone:
        log.info("push subscription %d is gone at its push service: deleted", subscription_id)
        session.delete(row)
        return False
    except DeliveryFailed as exc:
        log.warning("push to subscription %d failed, to be retried: %s", subscription_id, exc)
        raise
    row.last_sent_at = utcnow()
    session.add(row)
    return True


@job(max_retries=5, min_backoff_ms=15_000, queue="devices")
def send_sms(user_id: int, kind: str, text: str, idempotency_key: str | None = None) -> None:
    with unit_of_work() as session:
        deliver_sms(session, user_id=user_id, kind=kind, text=text, idempotency_key=idempotency_key)


def deliver_sms(session: Session, *, user_id: int, kind: str, text: str, idempotency_key: str | None = None) -> bool:
    """One text message to the number on the account, if there is one and `kind` by SMS is
    still wanted; True when sent."""

    phone = preferences.sms_number(session, user_id)
    if not phone or not preferences.allows(session, user_id, kind, "sms"):
        return False
    if idempotency_key is not None and not claim_idempotency_key(session, f"sms:{idempotency_key}"):
        return False
    try:
        sms_sender().send(phone, text)
    except DeliveryFailed as exc:
        # Never silent: logged here, retried by the job, and a dead letter after the last try.
        log.warning("sms to user %d failed, to be retried: %s", user_id, exc)
        raise
    return True
