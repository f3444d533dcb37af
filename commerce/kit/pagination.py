"""A page of a list that can grow, and the clamping every paged query needs."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    """One page of a list that can grow. `page` counts from 1."""

    items: list
    page: int
    per_page: int
    total: int
    page_count: int
    has_previous: bool
    has_next: bool


def page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """Clamp a requested page (which may come from a URL) to sane numbers."""
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    return max(1, int(page)), per_page


def page_within(page: int, per_page: int, total: int) -> int:
    """The requested page, or the last one when it asks past the end (an old or edited address)."""
    return min(page, max(1, -(-total // per_page)))


def make_page(items: list, page: int, per_page: int, total: int) -> Page:
    page_count = max(1, -(-total // per_page))
    return Page(
        items=items,
        page=page,
        per_page=per_page,
        total=total,
        page_count=page_count,
        has_previous=page > 1,
        has_next=page < page_count,
    )
