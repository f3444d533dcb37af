"""Second factors (authenticator app, recovery codes, passkeys), sign-ins waiting for
their second factor, WebAuthn challenges and the account's security activity."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of


class TotpFactor(SQLModel, table=True):
    """An authenticator app (RFC 6238). The secret is encrypted at rest (AES-256-GCM, bound
    to the user); `confirmed_at` is empty until the person typed a first code from it."""

    __tablename__ = "totp_factors"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    secret_sealed: bytes = Field(sa_type=LargeBinary, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last 30-second time step whose code was accepted: a code is good once.
    last_step: int = Field(default=0)


class RecoveryCode(SQLModel, table=True):
    """One of ten single-use codes, stored as a keyed hash only."""

    __tablename__ = "recovery_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Passkey(SQLModel, table=True):
    """A WebAuthn credential: its id and public key (base64url) and the signature counter."""

    __tablename__ = "passkeys"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    credential_id: str = Field(max_length=1400, unique=True)
    public_key: str = Field(max_length=2000)
    sign_count: int = Field(default=0)
    name: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChallengePurpose(StrEnum):
    REGISTER = "register"
    SIGN_IN = "sign_in"
    SECOND_FACTOR = "second_factor"
    STEP_UP = "step_up"


class WebAuthnChallenge(SQLModel, table=True):
    """A challenge handed to the browser for one ceremony: found again by its value (the
    browser's signed client data carries it), used once, within five minutes."""

    __tablename__ = "webauthn_challenges"
    __table_args__ = (one_of("webauthn_challenges", "purpose", ChallengePurpose),)

    id: int | None = Field(default=None, primary_key=True)
    challenge: str = Field(max_length=100, unique=True)
    purpose: ChallengePurpose = Field(sa_type=EnumString(ChallengePurpose, 16))
    # Whose ceremony it is (none for a sign-in with a passkey alone).
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PendingSignIn(SQLModel, table=True):
    """A password accepted for an account with a second factor: the browser holds the
    token (an HttpOnly cookie) until it gives the second factor, within ten minutes."""

    __tablename__ = "pending_sign_ins"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SecurityEventKind(StrEnum):
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    RECOVERY_CODE_USED = "recovery_code_used"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    TOTP_ENABLED = "totp_enabled"
    TOTP_DISABLED = "totp_disabled"
    RECOVERY_CODES_CREATED = "recovery_codes_created"
    PASSKEY_ADDED = "passkey_added"
    PASSKEY_REMOVED = "passkey_removed"
    SESSION_ENDED = "session_ended"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
    EMAIL_CHANGED = "email_changed"


class SecurityEvent(SQLModel, table=True):
    """Something that happened to an account's security, shown to its owner."""

    __tablename__ = "security_events"
    __table_args__ = (one_of("security_events", "kind", SecurityEventKind),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: SecurityEventKind = Field(sa_type=EnumString(SecurityEventKind, 32))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    # The client's address as the app saw it, and its browser and system from the User-Agent.
    ip: str | None = Field(default=None, max_length=64)
    device: str = Field(default="", max_length=120)
    detail: str = Field(default="", max_length=200)
