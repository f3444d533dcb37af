"""Reflex events and sockets reach /metrics and the log through Reflex's own trace points."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

import pytest
from prometheus_client import REGISTRY
from reflex_base import otel

from commerce.observability import logs
from storefront import event_metrics

EVENT = "reflex___state____state.state.cart____cart_state.add_to_cart"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def installed():
    stream = io.StringIO()
    logs.configure_logging(fmt=logs.JSON, stream=stream)
    event_metrics.install()
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    otel.disable()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, logs._AppHandler)]:
        root.removeHandler(handler)


def run_event(name: str = EVENT, *, fails: bool = False, background: bool = False) -> None:
    """What Reflex's event processor does around each handler (reflex_base.otel.event_span)."""
    event = SimpleNamespace(name=name)
    ctx = SimpleNamespace(
        txid="tx-123", token="the-tabs-secret-token", otel_context=otel.capture_context(), parent_txid=""
    )
    handler = SimpleNamespace(is_background=background, fn=run_event)
    with otel.event_span(event, ctx, SimpleNamespace(handler=handler)):
        if fails:
            raise ValueError("the handler broke")


def test_handler_label_is_the_state_and_handler_name():
    assert event_metrics.handler_label(EVENT) == "cart_state.add_to_cart"
    assert event_metrics.handler_label("reflex___state____state.state.session____session_state.resolve") == (
        "session_state.resolve"
    )


def test_an_event_is_counted_timed_and_logged_with_its_id(installed):
    before = metric("marketplace_reflex_events_total", handler="cart_state.add_to_cart", outcome="ok")
    timed = metric("marketplace_reflex_event_duration_seconds_count", handler="cart_state.add_to_cart")
    run_event()
    assert metric("marketplace_reflex_events_total", handler="cart_state.add_to_cart", outcome="ok") == before + 1
    assert metric("marketplace_reflex_event_duration_seconds_count", handler="cart_state.add_to_cart") == timed + 1
    [line] = [line for line in installed() if line["event"] == "reflex_event"]
    assert line["event_id"] == "tx-123"
    assert line["handler"] == "cart_state.add_to_cart"
    assert line["outcome"] == "ok"
    assert line["logger"] == "commerce.events"
    assert "the-tabs-secret-token" not in json.dumps(line)  # the tab is named by a hash


def test_a_failing_event_is_counted_as_an_error_and_still_raises(installed):
    before = metric("marketplace_reflex_events_total", handler="cart_state.add_to_cart", outcome="error")
    with pytest.raises(ValueError, match="the handler broke"):
        run_event(fails=True)
    assert metric("marketplace_reflex_events_total", handler="cart_state.add_to_cart", outcome="error") == before + 1
    [line] = [line for line in installed() if line["event"] == "reflex_event"]
    assert line["error"] == "ValueError"
    assert line["level"] == "warning"


def test_other_spans_such_as_compile_stages_count_nothing(installed):
    before = REGISTRY.get_sample_value("marketplace_reflex_events_total", {"handler": "", "outcome": "ok"})
    with otel.span("reflex.compile.pages"):
        pass
    assert REGISTRY.get_sample_value("marketplace_reflex_events_total", {"handler": "", "outcome": "ok"}) == before
    assert [line for line in installed() if line["event"] == "reflex_event"] == []


def test_connected_sockets_follow_connects_and_disconnects(installed):
    before = metric("marketplace_reflex_connected_sockets")
    otel.record_connection(1)
    otel.record_connection(1)
    assert metric("marketplace_reflex_connected_sockets") == before + 2
    otel.record_connection(-1)
    assert metric("marketplace_reflex_connected_sockets") == before + 1
    otel.record_connection(-1)


KEYSTROKE = "reflex___state____state.state___search____quick_search_state.type_text"


def test_the_search_box_keystroke_is_the_handler_kept_quiet():
    from reflex_base.utils.format import format_event_handler

    from state.search import QuickSearchState

    assert format_event_handler(QuickSearchState.type_text) == KEYSTROKE
    assert event_metrics.handler_label(KEYSTROKE) in event_metrics.PER_KEYSTROKE_HANDLERS


def test_a_keystroke_is_counted_and_timed_but_logged_only_when_it_fails_or_is_slow(installed, monkeypatch):
    label = "quick_search_state.type_text"
    before = metric("marketplace_reflex_events_total", handler=label, outcome="ok")
    run_event(KEYSTROKE)
    assert metric("marketplace_reflex_events_total", handler=label, outcome="ok") == before + 1
    assert [line for line in installed() if line["event"] == "reflex_event"] == []

    with pytest.raises(ValueError, match="the handler broke"):
        run_event(KEYSTROKE, fails=True)
    [failed] = [line for line in installed() if line["event"] == "reflex_event"]
    assert failed["handler"] == label
    assert failed["error"] == "ValueError"

    monkeypatch.setattr(event_metrics, "SLOW_KEYSTROKE_SECONDS", 0.0)
    run_event(KEYSTROKE)
    slow = [line for line in installed() if line["event"] == "reflex_event"][-1]
    assert slow["outcome"] == "ok"
    assert slow["handler"] == label
