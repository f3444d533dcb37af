"""Passkeys (WebAuthn, with the `webauthn` library): registering one and checking one.

The relying party is the site's own host (BASE_URL): a browser at another address
cannot use the passkeys made here. Every ceremony starts with a fresh challenge stored
for five minutes; the browser's signed client data names it, so the answer is matched
to its challenge without any cookie, and each challenge is used once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import webauthn
from sqlmodel import Session, select
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_client_data_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from commerce.config import get_settings
from commerce.errors import ValidationError
from commerce.kit.time import utcnow
from commerce.models import ChallengePurpose, Passkey, User, WebAuthnChallenge

RP_NAME = "Marketplace"
CHALLENGE_LIFETIME = timedelta(minutes=5)
TIMEOUT_MS = 120_000
MAX_CREDENTIAL_JSON = 64 * 1024
MAX_PASSKEYS = 10


class PasskeyRefused(ValidationError):
    def __init__(self, message: str = "That passkey could not be checked. Try again, or use another way to sign in."):
        super().__init__(message, "passkey")


def relying_party() -> tuple[str, str]:
    """(rp_id, origin) from BASE_URL: the host names the passkeys, the origin must match."""
    parts = urlsplit(get_settings().base_url)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


def _user_handle(user_id: int) -> bytes:
    return hmac.new(get_settings().secret_key.encode(), f"webauthn-user:{user_id}".encode(), hashlib.sha256).digest()


def _new_challenge(s: Session, purpose: ChallengePurpose, user_id: int | None) -> bytes:
    challenge = webauthn.helpers.generate_challenge()
    s.add(
        WebAuthnChallenge(
            challenge=bytes_to_base64url(challenge),
            purpose=purpose,
            user_id=user_id,
            expires_at=utcnow() + CHALLENGE_LIFETIME,
        )
    )
    s.flush()
    return challenge


def _descriptors(s: Session, user_id: int) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(row.credential_id))
        for row in s.exec(select(Passkey).where(Passkey.user_id == user_id))
    ]


def registration_options(s: Session, user: User) -> str:
    """The options (JSON) for the browser to make a passkey for `user`."""
    user_id = int(user.id or 0)
    rp_id, _ = relying_party()
    options = webauthn.generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=_user_handle(user_id),
        user_name=user.email,
        user_display_name=user.display_name,
        challenge=_new_challenge(s, ChallengePurpose.REGISTER, user_id),
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(s, user_id),
    )
    return webauthn.options_to_json(options)


def authentication_options(s: Session, purpose: ChallengePurpose, user_id: int | None = None) -> str:
    """Options (JSON) to sign with a passkey: any of this site's (a sign-in by passkey
    alone, `user_id` None) or one of `user_id`'s (a second factor, a step-up)."""
    rp_id, _ = relying_party()
    options = webauthn.generate_authentication_options(
        rp_id=rp_id,
        challenge=_new_challenge(s, purpose, user_id),
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(s, user_id) if user_id is not None else [],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return webauthn.options_to_json(options)


def _parsed(credential_json: str) -> dict[str, Any]:
    if not isinstance(credential_json, str) or not credential_json or len(credential_json) > MAX_CREDENTIAL_JSON:
        raise PasskeyRefused()
    try:
        parsed = json.loads(credential_json)
    except ValueError:
        raise PasskeyRefused() from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("response"), dict):
        raise PasskeyRefused()
    return parsed


def _claim_challenge(
    s: Session, parsed: dict[str, Any], purpose: ChallengePurpose, user_id: int | None
) -> WebAuthnChallenge:
    try:
        client_data = parse_client_data_json(base64url_to_bytes(str(parsed["response"].get("clientDataJSON", ""))))
    except Exception:
        raise PasskeyRefused() from None
    row = s.exec(
        select(WebAuthnChallenge)
        .where(WebAuthnChallenge.challenge == bytes_to_base64url(client_data.challenge))
        .with_for_update()
    ).first()
    if (
        row is None
        or row.purpose != purpose
        or row.used_at is not None
        or row.expires_at <= utcnow()
        or (user_id is not None and row.user_id != user_id)
    ):
        raise PasskeyRefused("This passkey request has expired or was used. Try again.")
    row.used_at = utcnow()
    s.add(row)
    return row


def register(s: Session, user: User, credential_json: str, *, name: str) -> Passkey:
    """Check the browser's new credential against its challenge and keep the passkey."""
    user_id = int(user.id or 0)
    parsed = _parsed(credential_json)
    challenge = _claim_challenge(s, parsed, ChallengePurpose.REGISTER, user_id)
    rp_id, origin = relying_party()
    try:
        verified = webauthn.verify_registration_response(
            credential=parsed,
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError):
        raise PasskeyRefused("That passkey could not be registered. Try again.") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if s.exec(select(Passkey.id).where(Passkey.credential_id == credential_id)).first() is not None:
        raise PasskeyRefused("This passkey is registered already.")
    if len(_descriptors(s, user_id)) >= MAX_PASSKEYS:
        raise ValidationError(f"An account can have at most {MAX_PASSKEYS} passkeys; remove one first.", "passkey")
    passkey = Passkey(
        user_id=user_id,
        credential_id=credential_id,
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        name=name,
    )
    s.add(passkey)
    s.flush()
    return passkey


@dataclass(frozen=True)
class PasskeyUse:
    user_id: int
    passkey_name: str


def authenticate(
    s: Session, credential_json: str, purpose: ChallengePurpose, *, user_id: int | None = None
) -> PasskeyUse:
    """Check a passkey's signature over its challenge; the account it belongs to."""
    parsed = _parsed(credential_json)
    challenge = _claim_challenge(s, parsed, purpose, user_id)
    credential_id = str(parsed.get("rawId") or parsed.get("id") or "")[:1400]
    query = select(Passkey).where(Passkey.credential_id == credential_id)
    if user_id is not None:
        query = query.where(Passkey.user_id == user_id)
    passkey = s.exec(query.with_for_update()).first()
    if passkey is None:
        raise PasskeyRefused("This passkey is not registered to an account here.")
    rp_id, origin = relying_party()
    try:
        verified = webauthn.verify_authentication_response(
            credential=parsed,
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        raise PasskeyRefused() from None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    s.add(passkey)
    return PasskeyUse(user_id=passkey.user_id, passkey_name=passkey.name)
