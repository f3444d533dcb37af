"""The browsers a person lets the marketplace push to (Web Push subscriptions).

The account page's script asks the browser for a subscription (PushManager.subscribe with
the VAPID public key) and hands its JSON to `subscribe`. Push is offered to the accounts
the `web_push` flag is on for, and only where a VAPID key is configured.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import Session, col, select

from commerce import flags
from commerce.actor import Actor, require_signed_in
from commerce.config import get_settings
from commerce.errors import NotFound, ValidationError
from commerce.kit import outbound
from commerce.kit.time import minute_label
from commerce.models import PushSubscription, saved_id

MAX_DEVICES = 20
MAX_SUBSCRIPTION_CHARS = 4000


@dataclass(frozen=True)
class DeviceView:
    id: int
    device: str
    added_label: str


@dataclass(frozen=True)
class PushStatus:
    available: bool
    # What the browser's PushManager.subscribe takes as applicationServerKey (base64url).
    public_key: str
    devices: list[DeviceView]


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def public_key(private_key: str) -> str:
    """The VAPID public key (uncompressed P-256 point, base64url) of a raw private key."""
    number = int.from_bytes(_b64url(private_key), "big")
    point = (
        ec.derive_private_key(number, ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return base64.urlsafe_b64encode(point).decode().rstrip("=")


def push_available(user_id: int) -> bool:
    """Whether push is offered to this account: a VAPID key, and the rollout flag on for it."""
    return get_settings().vapid_private_key is not None and flags.enabled(flags.WEB_PUSH.key, user_id)


def push_status(s: Session, actor: Actor) -> PushStatus:
    user_id = require_signed_in(actor)
    private_key = get_settings().vapid_private_key
    if private_key is None or not flags.enabled(flags.WEB_PUSH.key, user_id):
        return PushStatus(available=False, public_key="", devices=[])
    rows = s.exec(
        select(PushSubscription).where(PushSubscription.user_id == user_id).order_by(col(PushSubscription.id))
    ).all()
    return PushStatus(
        available=True,
        public_key=public_key(private_key),
        devices=[DeviceView(saved_id(row), row.device or "A browser", minute_label(row.created_at)) for row in rows],
    )


def _endpoint(value: object) -> str:
    """A push service's address: https, and not on this platform's network."""
    if not isinstance(value, str) or not value or len(value) > 1000:
        raise ValidationError("The browser gave no usable push address.", "subscription")
    try:
        scheme, host, _ = outbound.check_url(value)
    except ValueError:
        raise ValidationError("The browser gave no usable push address.", "subscription") from None
    allow_loopback = get_settings().webhooks_allow_loopback
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    refused = (
        (scheme != "https" and not allow_loopback)
        or (literal is not None and outbound.refusal(literal, allow_loopback=allow_loopback) is not None)
        or (host.lower() in ("localhost", "localhost.localdomain") and not allow_loopback)
    )
    if refused:
        raise ValidationError("Push messages are only sent to a push service on the internet.", "subscription")
    return value


def _on_curve(raw: bytes) -> bool:
    """A P-256 public key (what messages are encrypted to), not just 65 bytes."""
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def _key(keys: dict, name: str, size: int) -> str:
    value = keys.get(name)
    try:
        raw = _b64url(value) if isinstance(value, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size or (name == "p256dh" and not _on_curve(raw)):
        raise ValidationError("The browser gave no usable push keys.", "subscription")
    return value.rstrip("=")  # type: ignore[union-attr]  # a str, checked above


def subscribe(s: Session, actor: Actor, *, subscription: str, device: str = "") -> PushStatus:
    """Keep the browser's subscription (PushSubscription.toJSON() as text) for the actor.

    A browser subscribes once whoever signs in on it: the same endpoint moves to the
    account now signed in there."""
    user_id = require_signed_in(actor)
    if not push_available(user_id):
        raise ValidationError("Push notifications are not available for your account yet.", "subscription")
    if not isinstance(subscription, str) or len(subscription) > MAX_SUBSCRIPTION_CHARS:
        raise ValidationError("The browser gave no usable push subscription.", "subscription")
    try:
        data = json.loads(subscription)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise ValidationError("The browser gave no usable push subscription.", "subscription")
    endpoint = _endpoint(data.get("endpoint"))
    p256dh, auth = _key(data["keys"], "p256dh", 65), _key(data["keys"], "auth", 16)
    row = s.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).first()
    if row is None:
        count = len(s.exec(select(PushSubscription.id).where(PushSubscription.user_id == user_id)).all())
        if count >= MAX_DEVICES:
            raise ValidationError(f"Remove a device first: push reaches at most {MAX_DEVICES}.", "subscription")
        row = PushSubscription(user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth)
    row.user_id, row.p256dh, row.auth = user_id, p256dh, auth
    row.device = " ".join(device.split())[:120] if isinstance(device, str) else ""
    s.add(row)
    s.flush()
    return push_status(s, actor)


def remove_device(s: Session, actor: Actor, device_id: int) -> PushStatus:
    user_id = require_signed_in(actor)
    row = s.get(PushSubscription, device_id) if isinstance(device_id, int) else None
    if row is None or row.user_id != user_id:
        raise NotFound("That device no longer receives push messages.")
    s.delete(row)
    s.flush()
    return push_status(s, actor)


def targets(s: Session, user_id: int) -> list[int]:
    """The ids of the browsers `user_id` subscribed, oldest first."""
    rows = s.exec(
        select(PushSubscription).where(PushSubscription.user_id == user_id).order_by(col(PushSubscription.id))
    ).all()
    return [saved_id(row) for row in rows]
