"""The flags the code knows: each one's key, what it switches and its default.

A flag the admin page lists is one registered here; a flag's rollout (commerce/models
FeatureFlag) is stored only once an admin changes it, so a new flag starts at its default.
"""

from __future__ import annotations

from dataclasses import dataclass

from commerce.i18n import bo_N_


class UnknownFlag(KeyError):
    """Code asked about a flag nobody registered (a typo, or a flag already removed)."""


@dataclass(frozen=True)
class FlagDefinition:
    key: str
    label: str
    description: str
    default: bool = False


WEB_PUSH = FlagDefinition(
    key="web_push",
    label=bo_N_("Web Push notifications"),
    description=bo_N_("The account page offers browser push notifications, and sale alerts can be sent by push."),
)

FLAGS: dict[str, FlagDefinition] = {flag.key: flag for flag in (WEB_PUSH,)}


def definition(key: str) -> FlagDefinition:
    try:
        return FLAGS[key]
    except KeyError:
        raise UnknownFlag(key) from None
