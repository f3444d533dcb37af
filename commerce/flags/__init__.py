"""Feature flags for a gradual rollout: code asks `flags.enabled(key, account_id)`.

Every flag is registered in `registry` (key, description, default); asking about an
unknown key is an error, so a typo cannot silently switch something off. Admins set a
flag on for everyone, nobody, a list of accounts or a stable percentage of accounts on
`/admin/flags` (`service`, audited). Each process keeps the settings for a few seconds
(`cache`), so a change reaches every replica within `CACHE_SECONDS`.
"""

from commerce.flags.cache import CACHE_SECONDS, enabled, flag_cache
from commerce.flags.registry import FLAGS, WEB_PUSH, FlagDefinition, UnknownFlag

__all__ = ["CACHE_SECONDS", "FLAGS", "WEB_PUSH", "FlagDefinition", "UnknownFlag", "enabled", "flag_cache"]
