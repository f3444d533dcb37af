"""The test environment every folder runs in, and the fixtures package (`tests/fixtures`).

Whatever the shell exported, tests run on embedded defaults in a temporary data folder
with the app's adapters and subscribers configured as every entry point configures
them, so a run of one folder exercises the same effects as the whole suite.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from commerce import wiring
from commerce.db import get_engine

pytest_plugins = [
    "tests.fixtures.adapters",
    "tests.fixtures.api",
    "tests.fixtures.catalog",
    "tests.fixtures.chromium",
    "tests.fixtures.databases",
    "tests.fixtures.delivery",
    "tests.fixtures.effects",
    "tests.fixtures.flags",
    "tests.fixtures.metrics",
    "tests.fixtures.push",
    "tests.fixtures.s3",
    "tests.fixtures.webhook_receiver",
    "tests.fixtures.world",
    "pytester",  # tests of the fixtures themselves
]
# Before any of them is imported (they import one another): pytest's assertion messages in all.
pytest.register_assert_rewrite("tests.fixtures")

_SERVICE_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "MEILI_URL",
    "MEILI_MASTER_KEY",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "SMTP_URL",
)


def pytest_collection_modifyitems(items):
    """Browser tests run last: sync Playwright keeps an event loop running in the main
    thread until the session ends, which breaks later tests that start their own. The
    cluster's (which closes its Playwright with its module) go just before the e2e folder's.

    Two tests with one id stop the run: pytest-xdist (`make test`) schedules by id, so it
    would run one of them and drop the others without a word."""
    seen = Counter(item.nodeid for item in items)
    shared = sorted(nodeid for nodeid, count in seen.items() if count > 1)
    if shared:
        raise pytest.UsageError(f"{len(shared)} test ids name more than one test: " + ", ".join(shared[:5]))
    e2e = Path(__file__).parent / "e2e"
    cluster = Path(__file__).parent / "cluster"
    items.sort(key=lambda item: (item.path.is_relative_to(e2e), item.path.is_relative_to(cluster)))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Quiet one known message at an xdist worker's exit, which filled the CI log (~250 lines
    a worker) and hid real output. Reflex's cached vars clear their entry of a module-level
    cache in `__del__`; a worker's interpreter sets module globals to None before the last
    vars are collected, so each prints "Exception ignored … 'NoneType' object has no
    attribute 'pop'" (reflex_base/vars/base.py, `delete_properties`). Anything else raised
    in a `__del__` is still printed. Installed before pytest's own hook, which puts back the
    one it found when the session ends."""
    if not hasattr(config, "workerinput"):
        return  # a plain run exits without it

    def hook(unraisable, _default=sys.unraisablehook, _known=AttributeError):
        # Defaults, not globals: this runs while the interpreter is clearing modules.
        if type(unraisable.exc_value) is _known and getattr(unraisable.object, "__name__", None) == "delete_properties":
            return
        _default(unraisable)

    sys.unraisablehook = hook


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory):
    """Embedded defaults in a temporary data folder, whatever the shell exported."""
    saved = {name: os.environ.get(name) for name in (*_SERVICE_VARS, "DATA_DIR", "APP_ENV")}
    for name in _SERVICE_VARS:
        os.environ.pop(name, None)
    os.environ["DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    os.environ["APP_ENV"] = "test"
    wiring.reset()
    wiring.configure()
    # Tests that use no `s` (HTTP routes over committed data, the CLI) reach the app
    # database through unit_of_work(): give it its schema.
    from tests.fixtures.databases import alembic_upgrade  # imported once registered for rewriting

    alembic_upgrade(get_engine())
    yield Path(os.environ["DATA_DIR"])
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    wiring.reset()
