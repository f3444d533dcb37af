"""The seller REST API, `/api/v1/...`: a FastAPI app mounted on the site's Starlette app
(`storefront/api.py`), with one OpenAPI 3.1 document (`/api/v1/openapi.json`) that also
describes the public license API, and a reference page served from our own files
(`/api/v1/docs`). Documented for people in docs/api.md.
"""
