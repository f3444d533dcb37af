"""/customers: the shop's buyers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from commerce.actor import Actor
from commerce.api import customers, schemas
from commerce.api.scopes import Access, Resource
from storefront.api_v1.auth import acting
from storefront.api_v1.common import Cursor, Limit, run
from storefront.api_v1.problems import COMMON, responses

router = APIRouter(prefix="/customers", tags=["Customers"], responses=responses(*COMMON))
Reader = Annotated[Actor, Depends(acting(Resource.CUSTOMERS, Access.READ))]


@router.get(
    "",
    summary="List customers",
    description="Everyone who bought from the shop, by their latest order, newest first. A buyer who "
    "keeps their email from sellers has `email: null`. Scope: `customers:read`.",
)
def list_customers(actor: Reader, cursor: Cursor = None, limit: Limit = 25) -> schemas.CustomerList:
    return run(customers.list_customers, actor, cursor_text=cursor, limit=limit)


@router.get("/{customer_id}", summary="Read a customer", description="Scope: `customers:read`.")
def get_customer(
    actor: Reader, customer_id: Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
) -> schemas.Customer:
    return run(customers.get_customer, actor, customer_id)
