"""Structured logs (structlog): one line per request, event and job, and every other log call.

`configure_logging` routes the standard library's logging through structlog's
formatter, so the existing `logging.getLogger(__name__)` calls come out in the same
shape as the app's own lines: JSON objects (LOG_FORMAT=json, the default in
production) or readable coloured lines (LOG_FORMAT=console, the default elsewhere).
Each line carries what the context bound: `request_id` (HTTP), `event_id` (Reflex),
`job_id` (jobs) and `user`, a keyed pseudonym of the user id (HMAC under a key derived
from SECRET_KEY: stable, so one person's lines can be followed, but not reversible
without the key). An email address is never logged: any that a message or value
carries is replaced by "[email]".
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

import sentry_sdk
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from commerce.observability.redaction import redact_emails

JSON, CONSOLE = "json", "console"
FORMATS = (JSON, CONSOLE)

_pseudonym_key = b"development"
# Set by configure_logging: lines then go through the standard library's levels.
_configured = False
# The user found while serving the current request or event, for its closing line:
# a middleware's context does not see what the route's own task binds, so the route
# writes into this holder, which both share.
_closing: ContextVar[MutableMapping[str, Any] | None] = ContextVar("log_closing_fields", default=None)


def _redact(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = redact_emails(value)
    return event_dict


def pseudonym(user_id: int) -> str:
    """A stable, keyed stand-in for a user id in logs (16 hex digits)."""
    return hmac.new(_pseudonym_key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]


def bind_user(user_id: int | None) -> None:
    """Name who acts (as a pseudonym) on the lines of the current request, event or job."""
    if user_id is None:
        return
    user = pseudonym(user_id)
    structlog.contextvars.bind_contextvars(user=user)
    closing = _closing.get()
    if closing is not None:
        closing["user"] = user


@contextmanager
def scope(**fields: Any) -> Iterator[MutableMapping[str, Any]]:
    """Bind `fields` to every line logged inside, and tag any error reported to Sentry
    inside with them (a request, event or job id finds its log lines); yields the fields
    for the closing line, which `bind_user` fills in from wherever the user is found inside."""
    closing: dict[str, Any] = dict(fields)
    token = _closing.set(closing)
    # Put back exactly what was bound before: a job thread serves many jobs, and the
    # user one of them bound must not appear on the next one's lines.
    before = structlog.contextvars.get_contextvars()
    structlog.contextvars.bind_contextvars(**fields)
    # Who acts is found anew inside each scope; a user bound outside it (by an earlier
    # unit of work on this thread) must not be named on this one's lines.
    structlog.contextvars.unbind_contextvars("user")
    try:
        with sentry_sdk.isolation_scope() as reports:
            for name, value in fields.items():
                reports.set_tag(name, value)
            yield closing
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**before)
        _closing.reset(token)


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        _redact,
    ]


class _AppHandler(logging.StreamHandler):
    """The handler this module installs (and replaces when configured again)."""


def configure_logging(
    *, fmt: str = CONSOLE, level: str = "INFO", pseudonym_key: bytes = b"", stream: TextIO | None = None
) -> None:
    """Send every log record of this process through structlog to `stream` (stdout)."""
    global _pseudonym_key, _configured
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}")
    if pseudonym_key:
        _pseudonym_key = pseudonym_key
    renderer: Processor = (
        structlog.processors.JSONRenderer(sort_keys=True)
        if fmt == JSON
        else structlog.dev.ConsoleRenderer(colors=(stream or sys.stdout).isatty())
    )
    shared = _shared_processors()
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # Records from the standard library get the same fields before rendering.
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = _AppHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _AppHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    _configured = True


def enabled_for(name: str, level: int) -> bool:
    """Whether a line at `level` from logger `name` would be written. Once `configure_logging`
    has run, structlog hands every line to the standard library, which drops those below the
    configured level only after every processor has run; a caller can skip them before."""
    return not _configured or logging.getLogger(name).isEnabledFor(level)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
