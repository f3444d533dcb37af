"""The session cookie, set and cleared only by HTTP responses: HttpOnly (no script on the
page can read it), SameSite=Lax, Secure when the site is served over https."""

from __future__ import annotations

from starlette.responses import Response

import routes
from commerce.config import get_settings


def set_session_cookie(response: Response, token: str) -> Response:
    settings = get_settings()
    response.set_cookie(
        routes.SESSION_COOKIE,
        token,
        max_age=settings.session_days * 24 * 60 * 60,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )
    return response


def clear_session_cookie(response: Response) -> Response:
    settings = get_settings()
    response.delete_cookie(
        routes.SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )
    return response
