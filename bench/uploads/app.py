"""The app's HTTP routes (storefront/api.py) as the benchmark's server process serves them.

    granian --interface asgi bench.uploads.app:api

Configured from the environment like every entry point (DATA_DIR, DATABASE_URL), with
the local store; `run.py` migrates the database and makes the seller before starting it.
"""

from commerce import wiring
from storefront.api import api

wiring.configure()

__all__ = ["api"]
