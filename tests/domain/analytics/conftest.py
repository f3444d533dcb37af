"""The checkout tests' builders, plus the analytics hooks registered on the orders lifecycle."""

import commerce.analytics.tasks  # noqa: F401  (registers the paid/refund hooks)
from tests.domain.checkout.conftest import World, world  # noqa: F401  (the `world` fixture)
