"""The client's address for plain HTTP routes, resolved as Reflex resolves it for events.

Behind `trusted_proxy_hops` reverse proxies (REFLEX_TRUSTED_PROXY_HOPS) the client is
the X-Forwarded-For entry the outermost trusted proxy appended; otherwise the peer
address, and X-Forwarded-For (which anyone can send) is ignored.
"""

from __future__ import annotations

from reflex.config import get_config
from starlette.requests import Request


def client_address(request: Request) -> str:
    address = request.client.host if request.client else "unknown"
    hops = get_config().trusted_proxy_hops
    if hops:
        forwarded = [ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",") if ip.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address
