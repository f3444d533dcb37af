"""The probe's floor: the same `/healthz` answer from a process that does nothing else,
served the same way (`granian --interface asgi bench.checkout.bare_probe:app`, one worker).

Probed beside the app during the burst, it shows what the machine alone does to a cheap
request while the buyers, the server and PostgreSQL share its cores: the app's figure
over this one is what the app itself adds.
"""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "alive"})


app = Starlette(routes=[Route("/healthz", healthz, methods=["GET"])])
