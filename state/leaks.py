"""The leak tracer (seller studio and admin console): upload a suspicious file, see
which purchase its fingerprint names, and revoke that purchase's access.

The upload is written to a temporary file and read by `commerce.protection.tracer`
in a worker thread (via `_call`); the service decides what the caller may see.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import replace
from pathlib import Path

import reflex as rx

from commerce.i18n import bo_gettext, format_number
from commerce.protection import tracer
from commerce.protection.tracer import TraceReport
from state.language import speaking
from state.page import PageState

_CHUNK = 1024 * 1024


def _save_suspect(source, path: Path) -> int:
    """Copy the upload to `path`, stopping past the tracer's limit; the bytes read."""
    written = 0
    with path.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > tracer.MAX_SUSPECT_BYTES:
                break
            out.write(chunk)
    return written


class LeakTracerState(PageState, rx.State):
    report: TraceReport | None = None
    tracing: bool = False

    @rx.event
    async def load(self):
        self.report, self.error, self.notice, self.tracing = None, "", "", False
        self.loaded = True

    @rx.event
    async def trace(self, uploads: list[rx.UploadFile]):
        self.error = self.notice = ""
        await speaking(self)
        if not uploads:
            self.error = bo_gettext("Choose the suspicious file to trace first.")
            return
        upload = uploads[0]
        self.tracing = True
        yield
        with tempfile.TemporaryDirectory(prefix="trace-") as folder:
            path = Path(folder) / "suspect"
            # Up to the size limit of disk writes: off the event loop, which serves every tab.
            written = await asyncio.to_thread(_save_suspect, upload.file, path)
            if written > tracer.MAX_SUSPECT_BYTES:
                self.error = bo_gettext(
                    "Trace files up to {size} MB.", size=format_number(tracer.MAX_SUSPECT_BYTES // (1024 * 1024))
                )
                self.tracing, self.report = False, None
                return
            result = await self._call(tracer.trace_leak, path, upload.filename or "the file")
        self.tracing = False
        self.report = result.value if result.ok else None
        self.error = result.error

    @rx.event
    async def revoke(self, order_line_id: int):
        self.error = self.notice = ""
        result = await self._call(tracer.revoke_traced_purchase, order_line_id)
        if not result.ok:
            self.error = result.error
            return
        if self.report is not None and self.report.purchase is not None:
            self.report = replace(self.report, purchase=result.value)
        self.notice = bo_gettext(
            "Access from order {order} has ended; the buyer can no longer download it.",
            order=result.value.order_reference,
        )
