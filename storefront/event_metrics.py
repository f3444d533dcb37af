"""Reflex events and websocket connections, measured through Reflex's own trace points.

Reflex 0.10 calls `reflex_base.otel` around every event handler it runs (with the
handler's registered name, background flag and transaction id) and on every socket
connect and disconnect, once `otel.enable()` was given a tracer and a meter provider
(the hook `reflex-otel` uses). Its middleware hook cannot time an event: `preprocess`
runs before the handler and `postprocess` is never called. So `install()` enables the
trace points with OpenTelemetry API objects of our own, which record into the
Prometheus metrics and write one log line per event (per-keystroke events only when
they fail or are slow); nothing is exported anywhere else.

Only handlers Reflex found in its registry reach the trace point, so the handler label
(`cart_state.add_to_cart`, from the registered name) takes a bounded set of values
whatever a client sends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from time import perf_counter
from typing import Any

from opentelemetry import metrics as otel_metrics
from opentelemetry import trace
from opentelemetry.context import Context
from reflex_base import otel

from commerce.observability import errors, logs, metrics

log = logs.get_logger("commerce.events")

# Handlers a tab sends on (nearly) every keystroke, the navbar's search as you type:
# counted and timed like every event, but given a log line only when one fails or is
# slow. One line each would outnumber every other event's lines, and writing it was
# the largest single cost of a keystroke after Reflex's own (bench/README.md).
PER_KEYSTROKE_HANDLERS = frozenset({"quick_search_state.type_text"})
SLOW_KEYSTROKE_SECONDS = 0.25


def handler_label(event_name: str) -> str:
    """`reflex___state____state.state.cart____cart_state.add_to_cart` -> `cart_state.add_to_cart`."""
    state_path, _, handler = event_name.rpartition(".")
    state = state_path.rpartition("____")[2].rpartition(".")[2]
    return f"{state}.{handler}" if state else handler


class EventTracer(trace.Tracer):
    """Times the spans Reflex opens around event handlers; any other span (compile stages) is a no-op."""

    def start_span(self, name: str, context: Context | None = None, *args: Any, **kwargs: Any) -> trace.Span:
        return trace.INVALID_SPAN

    @contextmanager  # type: ignore[override]
    def start_as_current_span(
        self, name: str, context: Context | None = None, *args: Any, attributes: Mapping | None = None, **kwargs: Any
    ) -> Iterator[trace.Span]:
        attributes = attributes or {}
        if otel.ATTR_EVENT_NAME not in attributes:
            yield trace.INVALID_SPAN
            return
        handler = handler_label(str(attributes[otel.ATTR_EVENT_NAME]))
        outcome, error = "ok", ""
        start = perf_counter()
        with logs.scope(event_id=attributes.get(otel.ATTR_EVENT_TXID), handler=handler) as closing:
            try:
                yield trace.INVALID_SPAN
            except asyncio.CancelledError:
                outcome = "cancelled"  # superseded (a newer keystroke) or the tab went away
                raise
            except Exception as exc:
                outcome, error = "error", type(exc).__name__
                errors.report(exc)
                raise
            finally:
                seconds = perf_counter() - start
                metrics.REFLEX_EVENTS.labels(handler, outcome).inc()
                metrics.REFLEX_EVENT_DURATION.labels(handler).observe(seconds)
                quiet = handler in PER_KEYSTROKE_HANDLERS and outcome != "error" and seconds < SLOW_KEYSTROKE_SECONDS
                if not quiet:
                    fields: dict[str, Any] = {
                        **closing,
                        "outcome": outcome,
                        "background": bool(attributes.get(otel.ATTR_EVENT_BACKGROUND)),
                        # A hash of the tab's token (Reflex's own): follows one tab, reveals nothing.
                        "tab": attributes.get(otel.ATTR_SESSION_ID),
                        "duration_ms": round(seconds * 1000, 1),
                    }
                    if error:
                        fields["error"] = error
                    log.log(logging.INFO if outcome != "error" else logging.WARNING, "reflex_event", **fields)


class EventTracerProvider(trace.TracerProvider):
    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return EventTracer()


class _ConnectedSockets(otel_metrics.NoOpUpDownCounter):
    def add(self, amount: float, attributes: Mapping | None = None, context: Context | None = None) -> None:
        metrics.CONNECTED_SOCKETS.inc(amount)


class _SocketMeter(otel_metrics.NoOpMeter):
    """Keeps the connection count; Reflex's other instruments stay no-ops (the tracer times events)."""

    def create_up_down_counter(self, name: str, unit: str = "", description: str = "") -> otel_metrics.UpDownCounter:
        if name == otel.METRIC_WEBSOCKET_CONNECTIONS:
            return _ConnectedSockets(name, unit, description)
        return super().create_up_down_counter(name, unit, description)


class SocketMeterProvider(otel_metrics.NoOpMeterProvider):
    def get_meter(self, name: str, version: str | None = None, schema_url: str | None = None, *args: Sequence):
        return _SocketMeter(name, version, schema_url)


def install() -> None:
    """Turn Reflex's trace points on in this process (a second call does nothing)."""
    otel.enable(tracer_provider=EventTracerProvider(), meter_provider=SocketMeterProvider())
