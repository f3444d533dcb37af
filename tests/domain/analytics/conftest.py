"""The checkout tests' builders (the analytics subscribers are installed by the root conftest)."""

from tests.domain.checkout.conftest import World, world  # noqa: F401  (the `world` fixture)
