"""The seller REST API's domain side: API keys and their scopes, idempotent retries, per-key
rate limits, cursors, and the shop-scoped reads and changes `/api/v1` answers with.

Every change goes through the same catalogue, order, licensing and discount services the
studio's pages call, as the key's shop's `Actor` (`keys.ApiCaller.actor`); reads are
queries filtered by that shop. The HTTP side (FastAPI) is `storefront/api_v1/`.
"""
