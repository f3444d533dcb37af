"""Serving the frontend that was built ahead of time (the Docker image's build stage).

Reflex's production guides split the app in two: `reflex export --frontend-only` builds
static files once, and `reflex run --env prod --backend-only` runs the Python side, which
neither compiles the pages nor calls bun or npm. A backend-only process on its own serves
no pages, though; Reflex mounts its static files only when it built them itself in the
same `reflex run`. So a backend-only production process mounts the prebuilt files here,
with Reflex's own mount (hashed assets with their precompressed copies, every page route
answering its HTML), when they are present. nginx in front may still serve `/assets/`
itself (deploy/nginx); pages keep coming from the app, which gives them their status,
head and security headers.
"""

from __future__ import annotations

from collections.abc import Callable

from reflex import constants
from reflex.environment import environment
from reflex.utils import exec as reflex_exec
from reflex.utils import prerequisites
from starlette.applications import Starlette


def built_client_dir():
    """Where `reflex export --frontend-only --no-zip` leaves the static site."""
    return prerequisites.get_web_dir() / constants.Dirs.STATIC


def wants_prebuilt_frontend() -> bool:
    return (
        environment.REFLEX_ENV_MODE.get() == constants.Env.PROD
        and bool(environment.REFLEX_BACKEND_ONLY.get())
        # `reflex run --env prod` on one port built and mounted the frontend itself.
        and not environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.get()
        and (built_client_dir() / "index.html").is_file()
    )


def mount_prebuilt_frontend(router: Callable[[], Callable[[str], str | None]]):
    """An `api_transformer` adding the prebuilt pages after Reflex's own routes (events,
    uploads, health), as Reflex does in single-port mode. `router` returns the app's page
    matcher, so every dynamic page route answers its HTML with status 200."""

    def transform(asgi_app: Starlette) -> Starlette:
        if wants_prebuilt_frontend():
            asgi_app.routes.append(reflex_exec.get_frontend_mount(router=router()))
        return asgi_app

    return transform
