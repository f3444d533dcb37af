"""Identity and secrets never travel to the browser in Reflex state.

Public state vars are sent to the client; anything that says who someone is or
grants access must be a backend var (leading underscore). The session cookie is not
a state var at all: it is HttpOnly, set by HTTP responses (tests/security/test_session_cookie.py).
"""

import importlib
import pkgutil
import re

import reflex as rx

import state

SENSITIVE = re.compile(r"(^|_)(user_id|shop_id|actor|password_hash|token|secret|license_key|ciphertext)s?$")
# The session cookie is HttpOnly: no state var holds it. Secrets sent on purpose: an API key
# the seller has just created on the Developers page (shown once, then cleared; the database
# keeps only its hash), and the authenticator app's key shown to its owner while they set the
# app up (the QR code carries it too), then cleared; a webhook endpoint's signing secret
# shown to its seller when added or asked for (the receiver needs it to verify signatures).
ALLOWED_PUBLIC: set[str] = {"new_secret", "setup_secret", "signing_secret"}


def state_classes() -> list[type[rx.State]]:
    for module in pkgutil.walk_packages(state.__path__, "state."):
        importlib.import_module(module.name)
    found, pending = [], [rx.State]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("state."):
                found.append(sub)
    return found


def test_there_are_states_to_check():
    assert any(cls.__name__ == "SessionState" for cls in state_classes())


def test_no_identity_or_secret_in_public_vars():
    leaks = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in state_classes()
        for name in cls.base_vars
        if SENSITIVE.search(name) and name not in ALLOWED_PUBLIC
    ]
    assert leaks == []


def test_session_identity_is_backend_only():
    from state.session import SessionState

    identity = {"_user_id", "_role", "_shop_id"}
    assert identity <= set(SessionState.__annotations__)
    assert not identity & set(SessionState.vars)  # `vars` are the ones sent to the browser
