"""What an API key may do: read or write access per resource.

A scope is "<resource>:read" or "<resource>:write"; write includes read. Files belong to
products, refunds to orders.
"""

from __future__ import annotations

from enum import StrEnum

from commerce.errors import ValidationError
from commerce.i18n import bo_N_


class Resource(StrEnum):
    PRODUCTS = "products"
    ORDERS = "orders"
    CUSTOMERS = "customers"
    LICENSE_KEYS = "license_keys"
    DISCOUNT_CODES = "discount_codes"
    WEBHOOKS = "webhooks"


class Access(StrEnum):
    READ = "read"
    WRITE = "write"


# English msgids of the backoffice catalog (the studio shows them with bt()).
RESOURCE_LABELS = {
    Resource.PRODUCTS: bo_N_("Products and files"),
    Resource.ORDERS: bo_N_("Orders, sales and refunds"),
    Resource.CUSTOMERS: bo_N_("Customers"),
    Resource.LICENSE_KEYS: bo_N_("License keys"),
    Resource.DISCOUNT_CODES: bo_N_("Discount codes"),
    Resource.WEBHOOKS: bo_N_("Webhooks"),
}
# Customers are read-only: nothing in the API changes a buyer.
WRITABLE = frozenset(resource for resource in Resource if resource != Resource.CUSTOMERS)
ALL_SCOPES: tuple[str, ...] = tuple(
    f"{resource}:{access}"
    for resource in Resource
    for access in Access
    if access == Access.READ or resource in WRITABLE
)


def scope(resource: Resource, access: Access) -> str:
    return f"{resource}:{access}"


def parse_scopes(values: list[str] | str) -> list[str]:
    """Known scopes, deduplicated in a fixed order; a write scope makes its read scope redundant."""
    items = values.split() if isinstance(values, str) else list(values)
    wanted = set()
    for item in items:
        text = str(item).strip().lower()
        if not text:
            continue
        if text not in ALL_SCOPES:
            raise ValidationError(f"'{text[:40]}' is not a scope; choose from {', '.join(ALL_SCOPES)}.", "scopes")
        wanted.add(text)
    if not wanted:
        raise ValidationError("Choose at least one permission for the key.", "scopes")
    for resource in Resource:
        if scope(resource, Access.WRITE) in wanted:
            wanted.discard(scope(resource, Access.READ))
    return [item for item in ALL_SCOPES if item in wanted]


def allows(granted: frozenset[str] | set[str], resource: Resource, access: Access) -> bool:
    if scope(resource, Access.WRITE) in granted:
        return True
    return access == Access.READ and scope(resource, Access.READ) in granted
