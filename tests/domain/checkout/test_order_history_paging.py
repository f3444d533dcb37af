"""A buyer's order history is paged: every order once, only their own, page numbers clamped."""

from commerce.orders import lifecycle


def test_order_history_pages_through_every_order_once_and_only_the_buyers_own(world):
    shop = world.shop()
    buyer, other = world.user(), world.user()
    references = [
        world.checkout(world.buyer_actor(buyer), [world.product(shop, 500)]).order_reference for _ in range(5)
    ]
    others = world.checkout(world.buyer_actor(other), [world.product(shop, 500)]).order_reference
    actor = world.buyer_actor(buyer)

    pages = [lifecycle.list_orders(world.s, actor, page=n, per_page=2) for n in (1, 2, 3)]

    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert (pages[0].total, pages[0].page_count) == (5, 3)
    assert pages[0].has_next
    assert not pages[0].has_previous
    assert pages[2].has_previous
    assert not pages[2].has_next
    seen = [order.reference for p in pages for order in p.items]
    assert sorted(seen) == sorted(references)  # nothing lost, nothing twice
    assert others not in seen


def test_order_history_clamps_page_numbers_past_either_end(world):
    shop = world.shop()
    buyer = world.user()
    for _ in range(3):
        world.checkout(world.buyer_actor(buyer), [world.product(shop, 500)])
    actor = world.buyer_actor(buyer)

    past_the_end = lifecycle.list_orders(world.s, actor, page=99, per_page=2)
    before_the_start = lifecycle.list_orders(world.s, actor, page=-4, per_page=2)

    assert past_the_end.page == 2
    assert len(past_the_end.items) == 1
    assert before_the_start.page == 1
    assert len(before_the_start.items) == 2
    empty = lifecycle.list_orders(world.s, world.buyer_actor(world.user()), page=7)
    assert (empty.items, empty.page, empty.page_count) == ([], 1, 1)
