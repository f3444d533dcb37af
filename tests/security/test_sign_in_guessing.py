"""Guessing passwords in parallel: every attempt is counted before its password is checked.

Twenty-five sign-ins for one account released at the same moment, each in its own
thread and transaction, against the in-process counter and the Redis one: at most
the per-account limit of passwords is ever verified.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest
import redis

from commerce import accounts, ratelimit
from commerce.accounts import passwords
from commerce.db import unit_of_work
from commerce.errors import RateLimited, ValidationError
from tests.fixtures.databases import run_together

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"


@pytest.fixture(params=["memory", "redis"])
def counter(request):
    if request.param == "memory":
        with ratelimit.attempt_counter.replaced(ratelimit.MemoryAttemptCounter()) as plugged:
            yield plugged
        return
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"test-guessing-{uuid.uuid4().hex}:"
    with ratelimit.attempt_counter.replaced(ratelimit.RedisAttemptCounter(client, prefix=prefix)) as plugged:
        yield plugged
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)


@pytest.fixture
def checked(monkeypatch):
    """How many passwords were really verified (argon2 ran)."""
    calls = []
    lock = threading.Lock()
    real = passwords.verify_password

    def counting(stored, password):
        with lock:
            calls.append(password)
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return calls


def test_parallel_guesses_check_no_more_passwords_than_the_limit(committed_postgres, counter, checked):
    with unit_of_work() as s:
        accounts.register(s, email="ada@example.com", password=PASSWORD, display_name="Ada", client_id="1.1.1.1")

    def guess(n: int) -> str:
        try:
            with unit_of_work() as s:
                accounts.login(s, email="ada@example.com", password=f"wrong guess {n}", client_id=f"10.0.0.{n}")
        except RateLimited:
            return "limited"
        except ValidationError:
            return "wrong"
        return "signed in"

    outcomes = run_together(guess, range(25))
    assert len(checked) == accounts.service.MAX_FAILURES_PER_ACCOUNT
    assert outcomes.count("wrong") == accounts.service.MAX_FAILURES_PER_ACCOUNT
    assert outcomes.count("limited") == 25 - accounts.service.MAX_FAILURES_PER_ACCOUNT


def test_parallel_guesses_from_one_client_stop_at_the_client_limit(committed_postgres, counter, checked):
    """Many accounts guessed from one address: the per-client limit holds under parallel requests."""

    def guess(n: int) -> str:
        try:
            with unit_of_work() as s:
                accounts.login(s, email=f"user{n}@example.com", password="wrong guess", client_id="6.6.6.6")
        except RateLimited:
            return "limited"
        except ValidationError:
            return "wrong"
        return "signed in"

    outcomes = run_together(guess, range(30))
    assert len(checked) == accounts.service.MAX_FAILURES_PER_CLIENT
    assert outcomes.count("limited") == 30 - accounts.service.MAX_FAILURES_PER_CLIENT
