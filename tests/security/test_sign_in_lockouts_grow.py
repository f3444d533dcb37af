"""Unknown clients locked out of an account (or out of signing in at all) are locked out
for longer each time within a day: 15 minutes, then 30, then an hour. The owner's own
browser (device cookie) is never held up."""

from __future__ import annotations

import pytest

from commerce import accounts, ratelimit
from commerce.accounts import devices
from commerce.accounts.service import LOGIN_WINDOW_SECONDS, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_CLIENT
from commerce.errors import RateLimited, ValidationError

PASSWORD = "correct horse battery"
EMAIL = "ada@example.com"
MINUTE = 60


@pytest.fixture
def clock():
    now = {"at": 10_000.0}
    with ratelimit.attempt_counter.replaced(ratelimit.MemoryAttemptCounter(clock=lambda: now["at"])):
        yield now


@pytest.fixture
def owner(s):
    accounts.create_account(s, email=EMAIL, password=PASSWORD, display_name="Ada", client_id="1.1.1.1")
    return devices.issue(EMAIL)


def guess(s, n, *, email=EMAIL, client=None):
    return accounts.login(s, email=email, password=f"wrong guess {n}", client_id=client or f"10.0.{n}.1")


def use_up_account(s):
    for n in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(ValidationError):
            guess(s, n)
    with pytest.raises(RateLimited):
        guess(s, 99)  # locks the account for unknown clients


def signs_in_from_a_new_client(s, client="10.9.9.9") -> bool:
    try:
        accounts.login(s, email=EMAIL, password=PASSWORD, client_id=client)
    except RateLimited:
        return False
    return True


def test_each_lockout_of_an_account_lasts_twice_as_long(s, owner, clock):
    use_up_account(s)
    clock["at"] += LOGIN_WINDOW_SECONDS + 1
    use_up_account(s)  # tries again after the first lockout: locked for 30 minutes now
    clock["at"] += LOGIN_WINDOW_SECONDS + 1
    assert not signs_in_from_a_new_client(s)
    clock["at"] += LOGIN_WINDOW_SECONDS
    use_up_account(s)  # third lockout: an hour
    clock["at"] += 2 * LOGIN_WINDOW_SECONDS + 1
    assert not signs_in_from_a_new_client(s)
    clock["at"] += 2 * LOGIN_WINDOW_SECONDS
    assert signs_in_from_a_new_client(s)
    # The owner's browser was never held up.
    assert accounts.login(s, email=EMAIL, password=PASSWORD, client_id="1.1.1.1", device_cookie=owner)


def test_a_client_guessing_many_accounts_is_locked_out_longer_each_time(s, clock):
    def use_up_client():
        for n in range(MAX_FAILURES_PER_CLIENT):
            with pytest.raises(ValidationError):
                guess(s, n, email=f"user{n}@example.com", client="6.6.6.6")
        with pytest.raises(RateLimited):
            guess(s, 99, email="someone@example.com", client="6.6.6.6")

    use_up_client()
    clock["at"] += LOGIN_WINDOW_SECONDS + 1
    use_up_client()
    clock["at"] += LOGIN_WINDOW_SECONDS + 1
    with pytest.raises(RateLimited):
        guess(s, 100, email="other@example.com", client="6.6.6.6")  # 30 minutes this time
    clock["at"] += LOGIN_WINDOW_SECONDS
    with pytest.raises(ValidationError):
        guess(s, 101, email="other@example.com", client="6.6.6.6")


def test_a_day_later_lockouts_start_short_again(s, owner, clock):
    use_up_account(s)
    clock["at"] += LOGIN_WINDOW_SECONDS + 1
    use_up_account(s)
    clock["at"] += 24 * 60 * MINUTE
    use_up_account(s)
    clock["at"] += LOGIN_WINDOW_SECONDS + 1
    assert signs_in_from_a_new_client(s)
