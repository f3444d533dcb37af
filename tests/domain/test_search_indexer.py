"""Keeping the search index true: dirty flags set by catalogue changes, and the indexer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import tantivy
from sqlalchemy import update
from sqlmodel import select

from commerce import events, wiring
from commerce.catalog import products
from commerce.catalog.changes import mark_products_dirty, mark_shop_products_dirty
from commerce.db import unit_of_work
from commerce.kit.time import utcnow
from commerce.models import OrderStatus, Product, Shop
from commerce.search import search_index
from commerce.search import subscribers as search_subscribers
from commerce.search.embedded import TantivySearchIndex
from commerce.search.indexer import catch_up, index_dirty_batch, rebuild, reindex_dirty
from commerce.search.port import SearchQuery
from commerce.search.tasks import products_sold, reindex_dirty_products
from tests.fixtures.catalog import live_product, make_admin, make_seller, publishable_product
from tests.fixtures.search import CATALOGUE, new_buyer, placed_order


@pytest.fixture
def index(tmp_path) -> TantivySearchIndex:
    return TantivySearchIndex(tmp_path / "index")


def run_indexer(s, index, **kwargs):
    """The indexer job's work, in units of work of its own within the test's transaction."""
    s.flush()
    report = reindex_dirty(index, **kwargs)
    s.expire_all()  # read what it committed
    return report


def found(index, text: str = "") -> list[str]:
    return [hit.title for hit in index.search(SearchQuery(text=text, per_page=100)).hits]


def is_dirty(s, product_id: int) -> bool:
    s.expire_all()
    return s.get(Product, product_id).search_dirty


def test_a_product_appears_once_approved_and_its_flag_clears(s, index):
    seller, admin = make_seller(s), make_admin(s)
    draft = publishable_product(s, seller, title="Python Patterns Ebook")
    run_indexer(s, index)
    assert found(index, "python") == []
    assert not is_dirty(s, draft.id)

    products.publish_product(s, seller, draft.id)
    assert is_dirty(s, draft.id)
    run_indexer(s, index)
    assert found(index, "python") == []  # waiting for moderation

    products.approve_product(s, admin, draft.id)
    assert is_dirty(s, draft.id)
    report = run_indexer(s, index)
    assert report.upserted == 1
    assert found(index, "ebok") == ["Python Patterns Ebook"]
    product = s.get(Product, draft.id)
    assert not product.search_dirty
    assert product.indexed_at is not None


@pytest.mark.parametrize("hide", ["unpublish", "archive", "reject"])
def test_hidden_products_disappear(s, index, hide):
    seller, admin = make_seller(s), make_admin(s)
    live = live_product(s, seller, admin, title="Watercolor Textures")
    run_indexer(s, index)
    assert found(index, "watercolor") == ["Watercolor Textures"]

    if hide == "unpublish":
        products.unpublish_product(s, seller, live.id)
    elif hide == "archive":
        products.archive_product(s, seller, live.id)
    else:
        products.reject_product(s, admin, live.id, reason="Blurry previews.")
    report = run_indexer(s, index)
    assert report.deleted == 1
    assert found(index, "watercolor") == []


def test_a_suspended_shop_disappears_and_comes_back(s, index):
    seller, admin = make_seller(s, "inkwell"), make_admin(s)
    live_product(s, seller, admin, title="Watercolor Textures")
    live_product(s, seller, admin, title="Watercolor Brushes")
    other = make_seller(s, "enigma")
    live_product(s, other, admin, title="Watercolor Paper")
    run_indexer(s, index)
    assert len(found(index, "watercolor")) == 3

    shop = s.get(Shop, seller.shop_id)
    shop.suspended_at = utcnow()
    assert mark_shop_products_dirty(s, shop.id) == 2
    run_indexer(s, index)
    assert found(index, "watercolor") == ["Watercolor Paper"]

    shop.suspended_at = None
    mark_shop_products_dirty(s, shop.id)
    run_indexer(s, index)
    assert len(found(index, "watercolor")) == 3


def test_edits_reach_the_index(s, index):
    seller, admin = make_seller(s), make_admin(s)
    live = live_product(s, seller, admin, title="Watercolor Textures")
    run_indexer(s, index)
    products.update_product(s, seller, live.id, title="Gouache Textures", tags="paint, gouache")
    run_indexer(s, index)
    assert found(index, "watercolor") == []
    assert found(index, "gouache") == ["Gouache Textures"]
    facets = index.search(SearchQuery()).facets
    assert ("gouache", 1) in facets["tags"]


def test_rerunning_changes_nothing(s, index):
    seller, admin = make_seller(s), make_admin(s)
    live_product(s, seller, admin, title="Watercolor Textures")
    assert run_indexer(s, index).upserted == 1
    assert run_indexer(s, index).upserted == 0
    # A forced second pass over the same rows leaves one document, not two.
    s.exec(update(Product).values(search_dirty=True))
    run_indexer(s, index)
    run_indexer(s, index)
    assert found(index) == ["Watercolor Textures"]


def test_batches_cover_every_dirty_product(s, index):
    seller, admin = make_seller(s), make_admin(s)
    for n in range(7):
        live_product(s, seller, admin, title=f"Planner Template {n}")
    report = run_indexer(s, index, batch_size=3)
    assert report.upserted == 7
    assert sorted(found(index, "planner")) == [f"Planner Template {n}" for n in range(7)]
    assert s.exec(select(Product).where(Product.search_dirty.is_(True))).all() == []


def test_a_product_changed_during_its_batch_stays_dirty(s, index):
    seller, admin = make_seller(s), make_admin(s)
    live = live_product(s, seller, admin, title="Watercolor Textures")

    class EditsWhileWriting:
        """An engine during whose write the seller saves a new title."""

        def upsert(self, docs):
            index.upsert(docs)
            s.exec(
                update(Product)
                .where(Product.id == live.id)
                .values(title="Gouache Textures", updated_at=utcnow() + timedelta(seconds=1))
            )

        def delete(self, ids):
            index.delete(ids)

    report, taken = index_dirty_batch(s, EditsWhileWriting())
    assert (report.upserted, report.left_dirty, taken) == (1, 1, 1)
    assert is_dirty(s, live.id)
    run_indexer(s, index)
    assert found(index, "gouache") == ["Gouache Textures"]
    assert not is_dirty(s, live.id)


def test_full_rebuild_drops_stale_documents(s, index):
    seller, admin = make_seller(s), make_admin(s)
    live_product(s, seller, admin, title="Watercolor Textures")
    run_indexer(s, index)
    # A document left behind by some earlier failure: no such product exists.
    index.upsert([replace(CATALOGUE[0], id=999_999)])
    assert len(found(index)) == 2

    s.flush()
    report = rebuild(index)
    assert report.upserted == 1
    assert found(index) == ["Watercolor Textures"]


def test_an_index_dropped_for_its_old_layout_is_rebuilt_on_catch_up(s, tmp_path):
    seller, admin = make_seller(s), make_admin(s)
    live_product(s, seller, admin, title="Watercolor Textures")
    run_indexer(s, TantivySearchIndex(tmp_path / "old"))  # flags clear: nothing is dirty now
    # An index written by an older release, whose fields no longer match: it opens empty.
    older = tantivy.SchemaBuilder()
    older.add_text_field("title", stored=True)
    (tmp_path / "upgraded").mkdir()
    tantivy.Index(older.build(), path=str(tmp_path / "upgraded"))
    upgraded = TantivySearchIndex(tmp_path / "upgraded")
    assert found(upgraded) == []

    s.flush()
    catch_up(upgraded)
    assert found(upgraded, "watercolor") == ["Watercolor Textures"]


def test_catch_up_of_a_filled_index_only_indexes_what_is_dirty(s, index):
    seller, admin = make_seller(s), make_admin(s)
    live_product(s, seller, admin, title="Watercolor Textures")
    run_indexer(s, index)
    s.flush()
    assert catch_up(index).upserted == 0
    assert found(index, "watercolor") == ["Watercolor Textures"]


def test_catalogue_changes_schedule_one_indexer_run_per_transaction(s, jobs):
    seller, admin = make_seller(s), make_admin(s)
    live = live_product(s, seller, admin, title="Watercolor Textures")
    products.update_product(s, seller, live.id, summary="Hand-painted.")
    s.commit()
    assert jobs.ran(reindex_dirty_products) == [{}]
    assert found(search_index(), "watercolor") == ["Watercolor Textures"]


def test_sales_reorder_best_sellers_after_a_paid_order(s, index):
    seller, admin = make_seller(s), make_admin(s)
    first = live_product(s, seller, admin, title="Planner One")
    second = live_product(s, seller, admin, title="Planner Two")
    run_indexer(s, index)
    placed_order(s, new_buyer(s), [second.id])
    placed_order(s, new_buyer(s), [second.id, first.id])
    placed_order(s, new_buyer(s), [second.id], status=OrderStatus.REFUNDED)
    mark_products_dirty(s, [first.id, second.id])
    run_indexer(s, index)
    popular = index.search(SearchQuery(text="planner", sort="popular")).hits
    assert [hit.title for hit in popular] == ["Planner Two", "Planner One"]


def test_a_sale_or_refund_marks_the_product_for_reindexing_after_the_payment_commits(s, jobs):
    seller, admin = make_seller(s), make_admin(s)
    live = live_product(s, seller, admin, title="Planner One")
    s.commit()
    s.exec(update(Product).values(search_dirty=False))
    events.publish(s, events.FulfilmentGranted(fulfilment_id=0, product_id=live.id))
    # The payment's transaction leaves the product row alone: other buyers never wait on it.
    assert not is_dirty(s, live.id)
    s.commit()
    assert jobs.ran(products_sold) == [{"product_ids": [live.id]}]
    assert jobs.ran(reindex_dirty_products)
    # A refund's revocation reaches the same subscriber.
    assert search_subscribers.sales_count_changed in wiring.SUBSCRIBERS[events.FulfilmentRevoked]


def test_a_product_with_checkouts_in_flight_is_still_indexed(committed_postgres, index):
    """A buyer's order line key-shares its product (the foreign key) until the checkout
    commits; during a flash sale there always is one, and the indexer must not skip it."""
    with unit_of_work() as s:
        seller, admin = make_seller(s), make_admin(s)
        product_id = live_product(s, seller, admin, title="Flash Sale Brushes").id
    with unit_of_work() as s:  # a sale marked it for reindexing (no job: this test runs the indexer)
        s.exec(update(Product).where(Product.id == product_id).values(search_dirty=True))
    with committed_postgres.connect() as buyer:
        buyer.exec_driver_sql("BEGIN")
        buyer.exec_driver_sql("SELECT id FROM products WHERE id = %s FOR KEY SHARE", (product_id,))
        report = reindex_dirty(index)
        buyer.exec_driver_sql("ROLLBACK")
    assert report.upserted == 1
    assert found(index, "flash sale") == ["Flash Sale Brushes"]
