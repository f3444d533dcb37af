"""Two-factor sign-in, recovery codes, step-up and security activity (SQLite and PostgreSQL)."""

import time
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select

from commerce import accounts
from commerce.accounts import activity, claims, sign_in, step_up, two_factor
from commerce.accounts.activity import Client
from commerce.accounts.factors import CodeRefused
from commerce.errors import PermissionDenied, RateLimited
from commerce.kit.time import utcnow
from commerce.models import AuthSession, User, UserRole
from tests.fixtures.adapters import emails_in

PASSWORD = "correct horse battery"
CLIENT = Client(ip="203.0.113.7", user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36")


def signed_in(s, email="ada@example.com"):
    """An account signed in by password; its socket actor (with its session)."""
    grant = accounts.create_account(s, email=email, password=PASSWORD, display_name="Ada", client_id="1.1.1.1")
    return grant, accounts.socket_session(s, grant.token).actor


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def now_step() -> int:
    return int(time.time() // 30)


def enrol(s, actor):
    setup = two_factor.start_totp(s, actor)
    codes = two_factor.confirm_totp(s, actor, code=code_at(setup.secret, now_step()), client=CLIENT)
    return setup.secret, codes


def test_enrolling_an_app_makes_ten_single_use_recovery_codes_shown_once(s):
    _, actor = signed_in(s)
    setup = two_factor.start_totp(s, actor)
    assert setup.uri.startswith("otpauth://totp/")
    assert setup.qr_data_uri.startswith("data:image/svg+xml;base64,")
    assert two_factor.second_factor_status(s, actor).totp_on is False  # not on before a first code
    codes = two_factor.confirm_totp(s, actor, code=code_at(setup.secret, now_step()))
    assert len(codes) == 10
    assert len(set(codes)) == 10
    status = two_factor.second_factor_status(s, actor)
    assert status.totp_on
    assert status.recovery_codes_left == 10
    # Stored hashed only: no code appears in the database.
    from commerce.models import RecoveryCode, TotpFactor

    stored = {row.code_hash for row in s.exec(select(RecoveryCode))}
    assert not any(code in stored or code.replace("-", "") in stored for code in codes)
    assert setup.secret.encode() not in s.get(TotpFactor, actor.user_id).secret_sealed


def test_sign_in_asks_for_the_code_after_the_password_and_refuses_a_reused_code(s):
    _, actor = signed_in(s)
    secret, _ = enrol(s, actor)
    pending = accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="2.2.2.2")
    assert isinstance(pending, accounts.SecondFactorNeeded)
    assert sign_in.pending_sign_in(s, pending.token) == sign_in.PendingView(totp=True, passkey=False)
    code = code_at(secret, now_step() + 1)  # the next step: the enrolment spent this one
    grant = sign_in.finish_with_code(s, token=pending.token, code=code, client=CLIENT)
    assert accounts.socket_session(s, grant.token).user.email == "ada@example.com"
    # The same pending sign-in cannot be finished twice, and the same code opens nothing again.
    with pytest.raises(sign_in.SignInExpired):
        sign_in.finish_with_code(s, token=pending.token, code=code, client=CLIENT)
    again = accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="2.2.2.2")
    with pytest.raises(CodeRefused):
        sign_in.finish_with_code(s, token=again.token, code=code, client=CLIENT)


def test_a_recovery_code_signs_in_once(s):
    _, actor = signed_in(s)
    _, codes = enrol(s, actor)
    pending = accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="2.2.2.2")
    sign_in.finish_with_code(s, token=pending.token, code=codes[0].upper(), client=CLIENT)
    assert two_factor.second_factor_status(s, actor).recovery_codes_left == 9
    pending = accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="2.2.2.2")
    with pytest.raises(CodeRefused):
        sign_in.finish_with_code(s, token=pending.token, code=codes[0], client=CLIENT)
    kinds = [event.kind for event in activity.recent_activity(s, actor)]
    assert "recovery_code_used" in kinds


def test_code_guessing_is_limited_even_for_the_right_code_afterwards(s):
    _, actor = signed_in(s)
    secret, _ = enrol(s, actor)
    pending = accounts.login(s, email="ada@example.com", password=PASSWORD, client_id="2.2.2.2")
    right = code_at(secret, now_step() + 1)
    wrong = [f"{n:06d}" for n in range(6) if f"{n:06d}" != right][:5]
    for guess in wrong:
        with pytest.raises(CodeRefused):
            sign_in.finish_with_code(s, token=pending.token, code=guess, client=CLIENT)
    with pytest.raises(RateLimited):
        sign_in.finish_with_code(s, token=pending.token, code=right, client=CLIENT)


def test_step_up_window_for_changing_the_password(s):
    grant, actor = signed_in(s)
    secret, _ = enrol(s, actor)  # enrolling counts as a second factor given now
    accounts.change_password(s, actor, current_password=PASSWORD, new_password="another long password")
    session = s.exec(select(AuthSession).where(AuthSession.family_id == actor.session_id)).one()
    session.second_factor_at = utcnow() - timedelta(minutes=11)
    s.add(session)
    s.flush()
    with pytest.raises(step_up.StepUpRequired) as refused:
        accounts.change_password(s, actor, current_password="another long password", new_password="third password!")
    assert refused.value.field == "step_up"
    with pytest.raises(step_up.StepUpRequired):
        two_factor.regenerate_recovery_codes(s, actor)
    step_up.confirm_with_code(s, actor, code=code_at(secret, now_step() + 1))
    accounts.change_password(s, actor, current_password="another long password", new_password="third password!")
    # Another session of the same account has not stepped up.
    other = accounts.login(s, email="ada@example.com", password="third password!", client_id="3.3.3.3")
    assert isinstance(other, accounts.SecondFactorNeeded)


def test_an_account_without_a_second_factor_has_nothing_to_step_up(s):
    _, actor = signed_in(s)
    step_up.require_recent_second_factor(s, actor)
    accounts.change_password(s, actor, current_password=PASSWORD, new_password="another long password")


def test_an_admin_without_a_second_factor_acts_as_a_buyer_and_keeps_the_last_one(s):
    grant, _ = signed_in(s, "root@example.com")
    user = s.get(User, grant.user.id)
    user.role = UserRole.ADMIN
    s.add(user)
    s.flush()
    found = accounts.socket_session(s, grant.token)
    assert found.admin_without_second_factor
    assert not found.actor.is_admin
    _, _ = enrol(s, found.actor)
    found = accounts.socket_session(s, grant.token)
    assert found.actor.is_admin
    with pytest.raises(PermissionDenied, match="must keep a second factor"):
        two_factor.disable_totp(s, found.actor)


def test_the_receipt_link_does_not_open_an_account_with_a_second_factor(s):
    grant, actor = signed_in(s)
    enrol(s, actor)
    with pytest.raises(PermissionDenied, match="two-factor"):
        claims.sign_in_by_claim(s, user_id=grant.user.id, email="ada@example.com")


def test_activity_sessions_and_the_new_device_email(s, outbox):
    _, actor = signed_in(s)
    grant = accounts.login(
        s, email="ada@example.com", password=PASSWORD, client_id="203.0.113.7", user_agent=CLIENT.user_agent
    )
    s.commit()
    [message] = [m for m in emails_in(outbox) if "New sign-in" in m.subject]
    assert "Chrome on Linux" in message.text
    assert "203.0.113.7" in message.text
    sessions = activity.active_sessions(s, actor)
    assert len(sessions) == 2
    assert sessions[0].this_session
    other = next(view for view in sessions if not view.this_session)
    assert (other.device, other.ip) == ("Chrome on Linux", "203.0.113.7")
    activity.end_session(s, actor, other.session_id, CLIENT)
    assert accounts.socket_session(s, grant.token) is None
    shown = [(event.kind, event.device) for event in activity.recent_activity(s, actor)]
    assert ("signed_in", "Chrome on Linux") in shown
    assert shown[0][0] == "session_ended"
    # A browser with the account's device cookie is no new device: no email.
    from commerce.accounts import devices

    accounts.login(
        s,
        email="ada@example.com",
        password=PASSWORD,
        client_id="1.2.3.4",
        device_cookie=devices.issue("ada@example.com"),
    )
    s.commit()
    assert len([m for m in emails_in(outbox) if "New sign-in" in m.subject]) == 1
