"""Email bodies from Jinja2 templates: a subject, a plain-text and an HTML version.

Amounts arrive as integer minor units plus one `currency` per email (JSON-friendly,
so a job can carry the context) and are formatted by the `money` filter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from commerce import i18n
from commerce.money import Money, format_money

SITE_NAME = "Marketplace"


def _money(amount: int, currency: str) -> str:
    return format_money(Money.of(amount, currency))


# kind -> (required context, optional context with its default)
_KINDS: dict[str, tuple[frozenset[str], dict[str, Any]]] = {
    "password_reset": (frozenset({"display_name", "reset_url", "expires_minutes"}), {}),
    # A sign-up's link to a new address; the account exists only once it is opened.
    "confirm_registration": (frozenset({"display_name", "confirm_url", "expires_hours"}), {}),
    # Someone signed up with an address that already has an account: its owner is told.
    "registration_attempt": (frozenset({"display_name", "sign_in_url", "reset_url"}), {}),
    # A change of email: the link goes to the new address; the old one is told once it changed;
    # a new address that already has an account gets a note instead of a link.
    "email_change_confirm": (frozenset({"display_name", "confirm_url", "expires_hours"}), {}),
    "email_changed": (frozenset({"display_name", "new_email_masked"}), {}),
    "email_change_taken": (frozenset({"display_name", "sign_in_url", "reset_url"}), {}),
    # Unknown clients were locked out of the account: a link that makes a device known to it.
    "sign_in_unlock": (frozenset({"display_name", "unlock_url", "window_minutes"}), {}),
    # A sign-in from a browser that had not signed in to the account before.
    "new_device_sign_in": (frozenset({"display_name", "device", "when", "account_url"}), {"ip": None}),
    # claim_url: the account was made at a guest checkout; the link sets its first password.
    "welcome": (frozenset({"display_name"}), {"start_url": None, "claim_url": None, "claim_days": 7}),
    "receipt": (
        frozenset({"display_name", "order_reference", "lines", "subtotal", "total", "currency", "library_url"}),
        {"discount": 0, "tax": 0, "access_url": None, "access_minutes": 60},
    ),
    # A fresh "Access your purchase" link, asked for when the receipt's had expired or was used.
    "access_link": (frozenset({"order_reference", "access_url", "expires_minutes"}), {}),
    "sale_alert": (frozenset({"seller", "product", "amount", "currency"}), {"dashboard_url": None}),
    "product_update": (
        frozenset({"product", "version", "release_notes", "library_url", "unsubscribe_url"}),
        {},
    ),
    "refund_notice": (frozenset({"display_name", "order_reference", "amount", "currency"}), {}),
    # A paid product that could not be delivered; refunded says whether the automatic refund went through.
    "delivery_failed": (
        frozenset({"display_name", "product", "order_reference", "amount", "currency", "refunded", "order_url"}),
        {},
    ),
    "product_rejected": (frozenset({"seller", "product", "reason", "studio_url"}), {}),
    # Outbound webhooks: an endpoint failed every attempt for days and was switched off.
    "webhook_endpoint_disabled": (frozenset({"seller", "endpoint_url", "failing_since", "studio_url"}), {}),
    # A payout reached the seller's bank, or failed (its money is available to them again).
    "payout_paid": (frozenset({"seller", "amount", "currency", "payouts_url"}), {}),
    "payout_failed": (frozenset({"seller", "amount", "currency", "reason", "payouts_url"}), {}),
}


def E_(message: str) -> str:  # noqa: N802 (gettext's convention, a keyword of the emails catalog)
    """Marks an email's text for the emails catalog; translated when the email is rendered."""
    return message


# English marked for the emails catalog; `{names}` are the context's values, `{amount}`
# formatted as money in the email's currency.
_SUBJECTS = {
    "password_reset": E_("Reset your {site_name} password"),
    "confirm_registration": E_("Confirm your email to finish signing up to {site_name}"),
    "registration_attempt": E_("Someone tried to sign up to {site_name} with your email"),
    "email_change_confirm": E_("Confirm your new email address for {site_name}"),
    "email_changed": E_("The email address of your {site_name} account was changed"),
    "email_change_taken": E_("Someone tried to move a {site_name} account to your email"),
    "sign_in_unlock": E_("Sign in to {site_name} from a new device"),
    "new_device_sign_in": E_("New sign-in to your {site_name} account"),
    "welcome": E_("Welcome to {site_name}, {display_name}"),
    "receipt": E_("Your receipt for order {order_reference}"),
    "access_link": E_("Your link to order {order_reference}"),
    "sale_alert": E_("You made a sale: {product} for {amount}"),
    "product_update": E_("{product} {version} is available"),
    "refund_notice": E_("Refund of {amount} for order {order_reference}"),
    "delivery_failed": E_("We could not deliver {product}: your payment is being refunded"),
    "product_rejected": E_("{product} needs changes before it can be sold"),
    "webhook_endpoint_disabled": E_("Your webhook endpoint was turned off after failed deliveries"),
    "payout_paid": E_("Your payout of {amount} is on its way to your bank"),
    "payout_failed": E_("Your payout of {amount} failed"),
}


def _gettext(message: str) -> str:
    return i18n.translations(i18n.current_language(), i18n.EMAILS).gettext(message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return i18n.translations(i18n.current_language(), i18n.EMAILS).ngettext(singular, plural, count)


_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    # {% trans %} blocks and _() in the templates, in the current language (render_email sets it).
    extensions=["jinja2.ext.i18n"],
    # Only the HTML is escaped: the subject and text parts are not markup.
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["money"] = _money
_env.globals["site_name"] = SITE_NAME
_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


def email_kinds() -> tuple[str, ...]:
    return tuple(_KINDS)


def render_email(kind: str, language: str | None = None, **context: Any) -> tuple[str, str, str]:
    """(subject, text, html) for one kind of email in `language` (the current one when None);
    raises on missing or unknown context."""
    if kind not in _KINDS:
        raise ValueError(f"unknown email kind {kind!r}; known: {', '.join(_KINDS)}")
    required, optional = _KINDS[kind]
    missing = required - context.keys()
    unexpected = context.keys() - required - optional.keys()
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(f"missing {', '.join(sorted(missing))}")
        if unexpected:
            problems.append(f"unexpected {', '.join(sorted(unexpected))}")
        raise TypeError(f"render_email({kind!r}): {'; '.join(problems)}")
    values = {**optional, **context}
    with i18n.use_language(language or i18n.current_language()) as spoken:
        shown = {**values, "site_name": SITE_NAME}
        if "amount" in values and "currency" in values:
            shown["amount"] = _money(values["amount"], values["currency"])
        # A newline in a name or title must not reach the Subject header.
        subject = " ".join(_gettext(_SUBJECTS[kind]).format_map(shown).split())
        rtl = i18n.direction(spoken) == "rtl"
        # `start`/`end`: the sides text begins and ends on (email clients ignore logical CSS).
        extra = {
            "subject": subject,
            "lang": spoken,
            "dir": i18n.direction(spoken),
            "start": "right" if rtl else "left",
            "end": "left" if rtl else "right",
        }
        text = _env.get_template(f"{kind}.txt.j2").render(values, **extra)
        html = _env.get_template(f"{kind}.html.j2").render(values, **extra)
    return subject, text, html
