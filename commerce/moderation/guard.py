"""The check every admin service starts with.

The logged check itself lives with the other permission helpers in
commerce.accounts (catalog, delivery and the ledger use it too); the moderation
services import it from here.
"""

from commerce.accounts.actor import require_admin

__all__ = ["require_admin"]
