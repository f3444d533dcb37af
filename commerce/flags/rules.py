"""Who a flag is on for: everyone, nobody, listed accounts, or a stable share of accounts.

The share is stable by account: an account's bucket (0-9999) is a hash of the flag's key
and the account id, and a percentage p turns the flag on for buckets below p * 100. Raising
10 % to 20 % keeps every account of the first 10 % and adds others; each flag draws its own
accounts, so the first 10 % of one flag are not always the first of every flag.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from commerce.models import FlagRollout

BUCKETS = 10_000


def bucket(key: str, account_id: int) -> int:
    digest = hashlib.sha256(f"{key}:{account_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


@dataclass(frozen=True)
class Rule:
    rollout: FlagRollout
    percentage: int = 0
    accounts: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def default(cls, on: bool) -> Rule:
        return cls(FlagRollout.EVERYONE if on else FlagRollout.NOBODY)

    def applies(self, key: str, account_id: int | None) -> bool:
        """Whether the flag `key` with this rule is on for `account_id` (None: a visitor
        who has not signed in, who only gets flags that are on for everyone)."""
        if self.rollout == FlagRollout.EVERYONE:
            return True
        if self.rollout == FlagRollout.NOBODY or account_id is None:
            return False
        if self.rollout == FlagRollout.ACCOUNTS:
            return account_id in self.accounts
        return bucket(key, account_id) < self.percentage * (BUCKETS // 100)
