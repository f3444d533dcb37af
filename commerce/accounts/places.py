"""The approximate place of a client address, for the owner's security activity.

Only the country, looked up offline in GeoIP2Fast's bundled table (built from MaxMind's
GeoLite2 country data): no request leaves the server, and nothing finer than a country
is guessed. `GEOIP_DATA_FILE` points at a fresher table built with the library's
`geoip2dat` tool. The place is derived from the stored address when shown, so it goes
when retention removes the address.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from functools import lru_cache

from geoip2fast import GeoIP2Fast

log = logging.getLogger(__name__)

# The bundled table that covers IPv4 and IPv6.
_BUNDLED_TABLE = "geoip2fast-ipv6.dat.gz"


@lru_cache(maxsize=1)
def _table() -> GeoIP2Fast | None:
    try:
        return GeoIP2Fast(geoip2fast_data_file=os.environ.get("GEOIP_DATA_FILE") or _BUNDLED_TABLE, verbose=False)
    except Exception:  # a missing or corrupt table must not break the account page
        log.exception("GeoIP table could not be loaded; places are not shown")
        return None


def approximate_place(ip: str | None) -> str:
    """ "Germany" for a public address; "" for a private, local or unknown one."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ""
    if not address.is_global:
        return ""
    table = _table()
    if table is None:
        return ""
    found = table.lookup(str(address))
    code = getattr(found, "country_code", "") or ""
    if len(code) != 2 or not code.isalpha():
        return ""
    return str(found.country_name)
