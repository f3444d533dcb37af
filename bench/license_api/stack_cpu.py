"""CPU per request through the site's HTTP stack, in one process: no server, no network,
no database (the license check's service call is replaced by a fixed answer; its thread
hop stays), so the figure is what the framework and the site's own layers cost.

    .venv/bin/python bench/license_api/stack_cpu.py [--requests 3000]

The stack is bench/license_api/site_server.py's (the site's middleware, CORS as Reflex adds
it, production JSON logs written to /dev/null); the floor is a bare Starlette app with one
route answering the same JSON as /healthz. Figures are process CPU time (the thread hop's
worker included), best of three rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def build():
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench_stack_"))
    os.environ.setdefault("DATABASE_URL", "sqlite:///" + os.environ["DATA_DIR"] + "/db.sqlite")
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    import storefront.api_licenses
    from bench.license_api.site_server import app as site
    from commerce import wiring
    from commerce.licensing import api as license_api

    wiring.configure()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115  # for the process's life
    answer = license_api.LicenseAnswer(status="valid", message="This license key is valid.")
    storefront.api_licenses._call = lambda action, body, client_id: answer

    async def alive(request):
        return JSONResponse({"status": "alive"})

    return Starlette(routes=[Route("/healthz", alive)]), site


def scope(method: str, path: str, body: bytes) -> dict:
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
    headers.append((b"x-forwarded-for", b"10.0.0.1"))
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5555),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "extensions": {},
        "state": {},
    }


async def request(app, method: str, path: str, body: bytes = b"") -> int:
    received = False
    status = 0

    async def receive():
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope(method, path, body), receive, send)
    return status


async def main(requests: int) -> None:
    bare, site = build()
    check = json.dumps({"product_id": 1, "key": "AAAA-BBBB-CCCC"}).encode()
    cases = [
        ("floor: bare Starlette /healthz", bare, "GET", "/healthz", b""),
        ("site /healthz", site, "GET", "/healthz", b""),
        ("site POST /api/v1/licenses/validate", site, "POST", "/api/v1/licenses/validate", check),
        ("site GET /api/v1/products (no key: 401)", site, "GET", "/api/v1/products", b""),
        ("site GET /nowhere (unmatched: 404)", site, "GET", "/nowhere", b""),
    ]
    floor = None
    for name, app, method, path, body in cases:
        status = await request(app, method, path, body)
        for _ in range(200):
            await request(app, method, path, body)
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            for _ in range(requests):
                await request(app, method, path, body)
            best = min(best, (time.process_time() - start) / requests)
        floor = floor or best
        print(f"  {name:42s} {status}  {best * 1e6:7.1f} µs CPU/request  {best / floor:5.1f}x floor")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    asyncio.run(main(parser.parse_args().requests))
