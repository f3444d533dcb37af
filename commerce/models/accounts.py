"""People, their sign-in sessions and password reset tokens."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from commerce.i18n import Language
from commerce.kit.time import utcnow
from commerce.models.base import EnumString, UTCDateTime, one_of
from commerce.models.sealed import Sealed

# Not an argon2 hash: no password matches it. Accounts made at a guest checkout start with it
# (the receipt's access link signs them in; a password is an optional later step).
NO_PASSWORD = "!"


class UserRole(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    ADMIN = "admin"


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (one_of("users", "role", UserRole), one_of("users", "language", Language))

    id: int | None = Field(default=None, primary_key=True)
    # Stored normalised (lower case, IDNA domain) so uniqueness means one person.
    email: str = Field(max_length=320, unique=True, index=True)
    display_name: str = Field(max_length=80)
    password_hash: str = Field(max_length=255)
    role: UserRole = Field(default=UserRole.BUYER, sa_type=EnumString(UserRole, 16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    suspended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # E.164, given by the person for SMS notifications; never shown to sellers. Encrypted at rest.
    sms_number: str | None = Field(default=None, sa_type=Sealed("users.sms_number"))
    # Set when the person erased their account: the row stays (orders, ledger and reviews
    # point at it) with a pseudonym for an email and nothing else about them.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The language the person chose in the language menu (None: never chose; pages follow
    # the browser); their emails go out in it.
    language: Language | None = Field(default=None, sa_type=EnumString(Language, 5))


class AuthSession(SQLModel, table=True):
    """A signed-in browser. Only a SHA-256 of the token is stored.

    Tokens rotate: a refreshed session gets a new row in the same `family_id`, and
    the old row records when it was replaced. Presenting a replaced token after a
    short grace period means it was copied, so the whole family is revoked.
    """

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    family_id: str = Field(max_length=32, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    replaced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When this browser last gave a second factor (sign-in or step-up); carried on rotation.
    second_factor_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the owner sees in "active sessions": browser and system, and the address it signed in from.
    device: str = Field(default="", max_length=120)
    ip: str | None = Field(default=None, max_length=64)


class PasswordResetToken(SQLModel, table=True):
    __tablename__ = "password_reset_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmailChangeToken(SQLModel, table=True):
    """A change of an account's email waiting for the link sent to the new address: the
    address changes only when its owner proves they read mail there."""

    __tablename__ = "email_change_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    new_email: str = Field(max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RegistrationToken(SQLModel, table=True):
    """A sign-up waiting for its email link: the account is created only when the link is
    opened, so the form's answer is the same whether or not the email has an account."""

    __tablename__ = "registration_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=320, index=True)
    display_name: str = Field(max_length=80)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
