"""The client's address for plain HTTP routes, resolved as Reflex resolves it for events.

Behind `trusted_proxy_hops` reverse proxies (REFLEX_TRUSTED_PROXY_HOPS) the client is
the X-Forwarded-For entry the outermost trusted proxy appended; otherwise the peer
address, and X-Forwarded-For (which anyone can send) is ignored.
"""

from __future__ import annotations

import functools

from reflex.config import get_config
from starlette.requests import Request


@functools.cache
def trusted_proxy_hops() -> int:
    # Read once per process: Reflex caches its config on a context variable, and a request
    # served by granian runs in a fresh context, so get_config() there re-imports rxconfig.py
    # (building the Radix theme) on every call: 3 ms idle, most of a license check under load.
    return get_config().trusted_proxy_hops


def client_address(request: Request) -> str:
    address = request.client.host if request.client else "unknown"
    hops = trusted_proxy_hops()
    if hops:
        forwarded = [ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",") if ip.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address
