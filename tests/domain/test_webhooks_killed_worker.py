"""A real worker (`python -m commerce.cli worker`) killed with SIGKILL in the middle of a
webhook delivery: the message stays pending in the database, the sweep sends it again
once the dead attempt's lease runs out, and the seller's receiver gets every event,
each under one webhook id, exactly once (the resend carries the same id)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from sqlmodel import select

from commerce import events
from commerce.db import unit_of_work
from commerce.jobs import enqueue_now, jobs_run_by
from commerce.jobs.backends import DramatiqBackend
from commerce.models import AttemptOutcome, MessageStatus, WebhookAttempt, WebhookMessage
from commerce.webhooks_out import service, tasks
from tests.fixtures.catalog import make_seller, new_product

ROOT = Path(__file__).resolve().parents[2]
# A database of its own on the test Redis, so the worker's default namespace meets no one else's keys.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/11"
EVENTS = 5


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.1)


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is not usable ({exc}). `make test` starts it.")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_each_event_once(
    committed_postgres, redis_db, receiver, tmp_path
):
    engine = committed_postgres
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": str(engine.url.render_as_string(hide_password=False)),
        "REDIS_URL": REDIS_URL,
        "DATA_DIR": str(tmp_path),
        "WEBHOOKS_ALLOW_LOOPBACK": "1",
        "WEBHOOK_TIMEOUT_SECONDS": "1",
    }
    workers: list[subprocess.Popen] = []

    def start_worker() -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "commerce.cli", "worker", "--threads", "4"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"worker-{len(workers)}.log", "wb"),  # noqa: SIM115
        )
        workers.append(process)
        return process

    def messages() -> list[WebhookMessage]:
        with unit_of_work(engine) as s:
            rows = s.exec(select(WebhookMessage)).all()
            s.expunge_all()
            return list(rows)

    backend = DramatiqBackend(REDIS_URL, engine=engine)
    try:
        with jobs_run_by(backend):
            with unit_of_work(engine) as s:
                seller = make_seller(s, "killed")
                hook = service.create_endpoint(
                    s, seller, url=receiver.url, event_types=["product.published"], description="receiver"
                )
                products = [new_product(s, seller, title=f"Book {n}") for n in range(EVENTS)]
            receiver.script("hang")  # the first delivery to arrive is held mid-request
            first = start_worker()
            with unit_of_work(engine) as s:
                for product in products:
                    events.publish(s, events.ProductPublished(product_id=product.id, shop_id=seller.shop_id))

            wait_for(receiver.hanging.is_set, 60, "a delivery to reach the receiver")
            wait_for(
                lambda: (
                    len(messages()) == EVENTS
                    and sum(m.status == MessageStatus.DELIVERED for m in messages()) == EVENTS - 1
                ),
                60,
                "the other deliveries",
            )
            os.kill(first.pid, signal.SIGKILL)  # mid-delivery: the answer is never recorded
            first.wait()
            receiver.release.set()
            [lost] = [m for m in messages() if m.status == MessageStatus.PENDING]
            assert receiver.requests[0].id == lost.id

            start_worker()
            # What the web app's timer does every few seconds: ask for the sweep.
            deadline = time.monotonic() + 60
            while lost.id not in {r.id for r in receiver.answered}:
                if time.monotonic() > deadline:
                    pytest.fail("the lost delivery was never sent again")
                enqueue_now(tasks.send_due_webhooks)
                time.sleep(1)
            time.sleep(2)  # a wrong, second delivery would arrive here
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait()
        backend.shutdown(1)

    sent = messages()
    assert len({m.event_id for m in sent}) == EVENTS  # one message per event
    assert all(m.status == MessageStatus.DELIVERED for m in sent)
    answered = Counter(r.id for r in receiver.answered)
    assert set(answered) == {m.id for m in sent}
    assert set(answered.values()) == {1}  # every event exactly once by id
    for received in receiver.answered:
        received.verified(hook.secret)
    # The lost attempt was sent again under the same webhook id.
    assert [r.id for r in receiver.requests].count(lost.id) == 2
    with unit_of_work(engine) as s:
        outcomes = [
            a.outcome
            for a in s.exec(
                select(WebhookAttempt).where(WebhookAttempt.message_id == lost.id).order_by(WebhookAttempt.number)
            )
        ]
    assert outcomes == [AttemptOutcome.INTERRUPTED, AttemptOutcome.SUCCEEDED]
