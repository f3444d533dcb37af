"""Search benchmark: the embedded tantivy engine against plain PostgreSQL full-text search.

    .venv/bin/python bench/search/run.py --n 10000
    .venv/bin/python bench/search/run.py --n 100000 [--no-postgres] [--rounds 10]

Generates N synthetic products (fixed seed), indexes them in a temporary folder and
in a throwaway PostgreSQL database (bench_search_<random> on 127.0.0.1:5432, user
postgres, dropped at the end), then times a fixed mixed query set: exact words,
prefixes as typed, one-typo words, filtered and faceted searches. Both engines do
the same work per query: one page of hits, the total and the facet counts.
PostgreSQL's websearch_to_tsquery has no prefix or typo matching, so it finds
nothing for those queries: the "hits/query" column shows the recall gap.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from commerce.search.documents import to_usd_cents  # noqa: E402
from commerce.search.embedded import TantivySearchIndex  # noqa: E402
from commerce.search.port import (  # noqa: E402
    PRICE_BUCKETS,
    SearchDocument,
    SearchQuery,
)

SEED = 20240601
PER_PAGE = 24
BATCH = 5_000

KINDS = [
    "ebook",
    "e-book",
    "course",
    "template",
    "preset pack",
    "font",
    "icon set",
    "brush set",
    "sample pack",
    "LUT pack",
    "workbook",
    "guide",
    "toolkit",
    "planner",
    "mockup",
    "plugin",
    "sticker pack",
    "pattern",
    "checklist",
    "masterclass",
]
SUBJECTS = [
    "photography",
    "watercolor",
    "marketing",
    "python",
    "wedding",
    "budgeting",
    "knitting",
    "lightroom",
    "procreate",
    "illustration",
    "productivity",
    "fitness",
    "meditation",
    "copywriting",
    "javascript",
    "podcasting",
    "calligraphy",
    "origami",
    "gardening",
    "bookkeeping",
    "typography",
    "animation",
    "skincare",
    "travel",
    "sourdough",
    "notion",
    "instagram",
    "youtube",
    "startup",
    "freelancing",
    "journaling",
    "drumming",
    "guitar",
    "piano",
    "chess",
    "woodworking",
    "embroidery",
    "pottery",
    "astronomy",
    "birdwatching",
]
ADJECTIVES = [
    "complete",
    "ultimate",
    "minimal",
    "vintage",
    "modern",
    "essential",
    "beginner",
    "advanced",
    "practical",
    "cozy",
    "bold",
    "handmade",
    "professional",
    "quick",
    "cinematic",
]
CATEGORIES = [
    ("ebooks", "E-books"),
    ("courses", "Courses"),
    ("templates", "Templates"),
    ("design", "Design assets"),
    ("fonts", "Fonts"),
    ("audio", "Audio"),
    ("photo", "Photography"),
    ("software", "Software"),
    ("games", "Games"),
    ("education", "Education"),
    ("business", "Business"),
    ("crafts", "Crafts"),
    ("music", "Music"),
    ("writing", "Writing"),
    ("fitness", "Fitness"),
    ("comics", "Comics"),
]
CURRENCIES = [("USD", 0.6), ("EUR", 0.2), ("GBP", 0.1), ("JPY", 0.05), ("CAD", 0.05)]
USD_RATES = {
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "JPY": Decimal("0.0067"),
    "CAD": Decimal("0.73"),
}
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ten",
    "sol",
    "vi",
    "dor",
    "pha",
    "que",
    "lin",
    "ber",
    "tor",
    "man",
    "sel",
    "gri",
    "nou",
    "zar",
    "pel",
    "fin",
    "ost",
    "ula",
    "ren",
    "cai",
]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def generate_products(n: int, seed: int = SEED) -> list[SearchDocument]:
    """N deterministic, varied products: same seed, same catalogue."""
    rng = random.Random(seed)
    filler = _vocabulary(rng, 6_000) + SUBJECTS + ADJECTIVES
    # Zipf-like: a few filler words are everywhere, most are rare.
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(filler))))
    tags_pool = SUBJECTS + [f"{a} {s}" for a in ADJECTIVES[:6] for s in SUBJECTS[:25]]
    shops = [("".join(rng.choice(SYLLABLES) for _ in range(3)), i) for i in range(max(50, n // 40))]
    start = datetime(2022, 1, 1, tzinfo=UTC)
    codes, code_weights = zip(*CURRENCIES, strict=True)
    products = []
    for product_id in range(1, n + 1):
        subject = rng.choice(SUBJECTS)
        kind = rng.choice(KINDS)
        title = f"{rng.choice(ADJECTIVES).title()} {subject.title()} {kind.title()}"
        if rng.random() < 0.3:
            title += f" {rng.choice(filler).title()}"
        summary = (
            f"A {rng.choice(ADJECTIVES)} {kind} about {subject} and "
            f"{rng.choice(SUBJECTS)} for {rng.choice(['beginners', 'pros', 'everyone', 'teams'])}."
        )
        description = " ".join(rng.choices(filler, cum_weights=cumulative, k=rng.randint(40, 160)))
        category_slug, category_name = rng.choice(CATEGORIES)
        shop_name, shop_number = rng.choice(shops)
        currency = rng.choices(codes, code_weights)[0]
        price_major = round(rng.lognormvariate(2.6, 0.9), 2)
        price_minor = int(price_major) if currency == "JPY" else int(price_major * 100)
        if currency == "JPY":
            price_minor *= 150
        rated = rng.random() < 0.6
        products.append(
            SearchDocument(
                id=product_id,
                title=title,
                summary=summary,
                description=description,
                tags=tuple(dict.fromkeys(rng.sample(tags_pool, rng.randint(1, 5)))),
                category_slug=category_slug,
                category_name=category_name,
                shop_slug=f"shop-{shop_number}",
                shop_name=shop_name.title(),
                price_minor=price_minor,
                currency=currency,
                price_sort=to_usd_cents(price_minor, currency, USD_RATES),
                rating=round(rng.uniform(2.5, 5.0), 1) if rated else 0.0,
                review_count=rng.randint(1, 400) if rated else 0,
                sales_count=int(rng.paretovariate(1.2)) - 1,
                published_at=start + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)),
                category_path=(category_name,),
                product_slug=f"product-{product_id}",
                cover_key=f"media/covers/{product_id}.webp",
            )
        )
    return products


def query_set() -> list[tuple[str, SearchQuery]]:
    """The fixed mix every engine runs: (kind, query)."""
    cheap = PRICE_BUCKETS[1].filter_bounds
    q = SearchQuery
    return [
        ("exact", q(text="photography")),
        ("exact", q(text="watercolor brushes")),
        ("exact", q(text="python course")),
        ("exact", q(text="wedding template")),
        ("exact", q(text="sourdough")),
        ("exact", q(text="complete guitar masterclass")),
        ("prefix", q(text="pho")),
        ("prefix", q(text="wat")),
        ("prefix", q(text="python cou")),
        ("prefix", q(text="calligr")),
        ("prefix", q(text="e")),
        ("typo", q(text="photografy")),
        ("typo", q(text="watercolr")),
        ("typo", q(text="templete")),
        ("typo", q(text="markting course")),
        ("typo", q(text="knittting")),
        ("filtered", q(text="guide", categories=("ebooks",))),
        ("filtered", q(text="preset", price_min=cheap[0], price_max=cheap[1])),
        ("filtered", q(text="course", min_rating=4.0, sort="popular")),
        ("filtered", q(text="font", tags=("typography",), sort="price_asc")),
        ("filtered", q(text="planner", sort="newest", page=3)),
        ("faceted", q()),
        ("faceted", q(categories=("courses",))),
        ("faceted", q(categories=("design", "fonts"), sort="newest")),
        ("faceted", q(min_rating=4.0, sort="price_desc")),
        ("faceted", q(tags=("photography",), page=2)),
    ]


@dataclass
class EngineRun:
    name: str
    index_seconds: float
    size_bytes: int
    latencies_ms: dict[str, list[float]]
    hits_per_query: float


def time_queries(search: Callable[[SearchQuery], int], rounds: int) -> tuple[dict[str, list[float]], float]:
    queries = query_set()
    for _, query in queries:  # warm caches once, untimed
        search(query)
    latencies: dict[str, list[float]] = {}
    found = 0
    for _ in range(rounds):
        for kind, query in queries:
            began = time.perf_counter()
            found += search(query)
            latencies.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
    return latencies, found / (rounds * len(queries))


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_embedded(products: list[SearchDocument], rounds: int) -> list[EngineRun]:
    """The results page's searches, then the same queries as the navbar's dropdown
    asks them (six hits, no facet counts, no summaries) on the same index."""
    with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
        index = TantivySearchIndex(Path(folder))
        began = time.perf_counter()
        for batch in _batches(products):
            index.upsert(batch)
        index_seconds = time.perf_counter() - began
        size = folder_size(Path(folder))
        latencies, hits = time_queries(lambda query: index.search(query).total, rounds)
        dropdown, dropdown_hits = time_queries(
            lambda query: index.search(replace(query, per_page=6, page=1, facets=False, summaries=False)).total,
            rounds,
        )
        floor = time_floor(index, rounds * len(query_set()))
    return [
        EngineRun("embedded (tantivy)", index_seconds, size, latencies, hits),
        EngineRun("embedded, no facets", index_seconds, size, dropdown, dropdown_hits),
    ], floor


# The floor: the engine's plainest search on the same index (one common word, one hit, no
# facets or summaries), timed as often as the query set in the same run.
FLOOR_QUERY = SearchQuery(text="photography", per_page=1, facets=False, summaries=False)


def time_floor(index: TantivySearchIndex, count: int) -> list[float]:
    """The floor, timed as often as the query set in the same run: what the machine gives
    a search at all right now, next to which the figures are read."""
    index.search(FLOOR_QUERY)
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        index.search(FLOOR_QUERY)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def _batches(products: list[SearchDocument]) -> Iterator[list[SearchDocument]]:
    for start in range(0, len(products), BATCH):
        yield products[start : start + BATCH]


POSTGRES_SCHEMA = """
CREATE TABLE products (
    id integer PRIMARY KEY,
    title text NOT NULL,
    summary text NOT NULL,
    description text NOT NULL,
    tags text[] NOT NULL,
    category_slug text NOT NULL,
    price_sort integer NOT NULL,
    rating real NOT NULL,
    sales_count integer NOT NULL,
    published_at timestamptz NOT NULL,
    tsv tsvector
)
"""
# array_to_string is not immutable, so tsv cannot be a generated column: filled after COPY.
POSTGRES_FILL_TSV = """
UPDATE products SET tsv =
    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('english', array_to_string(tags, ' ')), 'B')
    || setweight(to_tsvector('english', summary), 'C')
    || setweight(to_tsvector('english', description), 'D')
"""

_PG_ORDER = {
    "newest": "published_at DESC",
    "price_asc": "price_sort ASC",
    "price_desc": "price_sort DESC",
    "popular": "sales_count DESC",
}


def _pg_where(query: SearchQuery) -> tuple[str, list]:
    conditions, params = [], []
    if query.text.strip():
        conditions.append("tsv @@ websearch_to_tsquery('english', %s)")
        params.append(query.text)
    if query.categories:
        conditions.append("category_slug = ANY(%s)")
        params.append(list(query.categories))
    if query.tags:
        conditions.append("tags @> %s")
        params.append([tag.lower() for tag in query.tags])
    if query.price_min is not None:
        conditions.append("price_sort >= %s")
        params.append(query.price_min)
    if query.price_max is not None:
        conditions.append("price_sort <= %s")
        params.append(query.price_max)
    if query.min_rating is not None:
        conditions.append("rating >= %s")
        params.append(query.min_rating)
    return (" AND ".join(conditions) or "TRUE"), params


def pg_search(connection, query: SearchQuery) -> int:
    """Hits, total and category/price facets: the same work the engines do."""
    where, params = _pg_where(query)
    if query.sort in _PG_ORDER:
        order = _PG_ORDER[query.sort]
    elif query.text.strip():
        order = "ts_rank(tsv, websearch_to_tsquery('english', %s)) DESC"
    else:
        order = "sales_count DESC"
    order_params = [query.text] if order.startswith("ts_rank") else []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, title, summary FROM products WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s",
            [*params, *order_params, query.per_page, query.offset],
        )
        cursor.fetchall()
        cursor.execute(
            f"SELECT count(*), "
            "count(*) FILTER (WHERE price_sort < 500), "
            "count(*) FILTER (WHERE price_sort >= 500 AND price_sort < 2000), "
            "count(*) FILTER (WHERE price_sort >= 2000 AND price_sort < 5000), "
            "count(*) FILTER (WHERE price_sort >= 5000), "
            "count(*) FILTER (WHERE rating >= 4) "
            f"FROM products WHERE {where}",
            params,
        )
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT category_slug, count(*) FROM products WHERE {where} "
            "GROUP BY category_slug ORDER BY 2 DESC LIMIT 50",
            params,
        )
        cursor.fetchall()
        cursor.execute(
            f"SELECT tag, count(*) FROM products, unnest(tags) AS tag WHERE {where} "
            "GROUP BY tag ORDER BY 2 DESC LIMIT 20",
            params,
        )
        cursor.fetchall()
    return total


def run_postgres(products: list[SearchDocument], rounds: int, dsn: str) -> EngineRun:
    import psycopg

    database = f"bench_search_{secrets.token_hex(4)}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        with psycopg.connect(dsn, dbname=database, autocommit=True) as connection:
            connection.execute(POSTGRES_SCHEMA)
            began = time.perf_counter()
            with (
                connection.cursor() as cursor,
                cursor.copy(
                    "COPY products (id, title, summary, description, tags, category_slug, "
                    "price_sort, rating, sales_count, published_at) FROM STDIN"
                ) as copy,
            ):
                for p in products:
                    copy.write_row(
                        (
                            p.id,
                            p.title,
                            p.summary,
                            p.description,
                            list(p.tags),
                            p.category_slug,
                            p.price_sort,
                            p.rating,
                            p.sales_count,
                            p.published_at,
                        )
                    )
            connection.execute(POSTGRES_FILL_TSV)
            connection.execute("CREATE INDEX products_tsv ON products USING gin (tsv)")
            connection.execute("CREATE INDEX products_tags ON products USING gin (tags)")
            connection.execute("ANALYZE products")
            index_seconds = time.perf_counter() - began
            size = connection.execute("SELECT pg_total_relation_size('products')").fetchone()[0]
            latencies, hits = time_queries(lambda query: pg_search(connection, query), rounds)
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return EngineRun("PostgreSQL FTS (GIN)", index_seconds, size, latencies, hits)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(n: int, runs: list[EngineRun], floor: list[float]) -> None:
    print(f"\n{n:,} products, {os.cpu_count()} CPUs, {datetime.now(UTC):%Y-%m-%d}\n")
    header = f"{'':26}" + "".join(f"{run.name:>24}" for run in runs)
    print(header)
    print(f"{'index time (s)':26}" + "".join(f"{run.index_seconds:>24.1f}" for run in runs))
    print(f"{'size on disk (MB)':26}" + "".join(f"{run.size_bytes / 1e6:>24.1f}" for run in runs))
    print(f"{'hits/query (mean total)':26}" + "".join(f"{run.hits_per_query:>24.0f}" for run in runs))
    kinds = list(runs[0].latencies_ms)
    for label, samples_of in [("all", None)] + [(kind, kind) for kind in kinds]:
        cells = []
        for run in runs:
            samples = (
                [ms for values in run.latencies_ms.values() for ms in values]
                if samples_of is None
                else run.latencies_ms[samples_of]
            )
            cells.append(
                f"{percentile(samples, 0.5):.1f} / {percentile(samples, 0.95):.1f} / {percentile(samples, 0.99):.1f}"
            )
        print(f"{'p50/p95/p99 ms ' + label:26}" + "".join(f"{cell:>24}" for cell in cells))
    for run in runs:
        every = [ms for values in run.latencies_ms.values() for ms in values]
        print(f"\n{run.name}: mean {statistics.mean(every):.1f} ms over {len(every)} searches")
    floor_p95 = percentile(floor, 0.95)
    print(
        f"\nfloor (one word, one hit, no facets, on the same index): "
        f"p50/p95 {percentile(floor, 0.5):.2f} / {floor_p95:.2f} ms"
    )
    for run in runs[:2]:
        every = [ms for values in run.latencies_ms.values() for ms in values]
        p95 = percentile(every, 0.95)
        print(f"  {run.name}: p95 {p95:.1f} ms = {p95 / floor_p95:.1f}x the floor's")
    print("targets at 100,000 products: p95 under 15 ms with facets, under 5 ms without")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of products")
    parser.add_argument("--rounds", type=int, default=10, help="timed passes over the query set")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL reference")
    parser.add_argument(
        "--dsn",
        default="host=127.0.0.1 port=5432 user=postgres dbname=postgres",
        help="PostgreSQL server for the reference run",
    )
    args = parser.parse_args()
    began = time.perf_counter()
    products = generate_products(args.n)
    print(f"generated {len(products):,} products in {time.perf_counter() - began:.1f} s")
    runs, floor = run_embedded(products, args.rounds)
    if not args.no_postgres:
        runs.append(run_postgres(products, args.rounds, args.dsn))
    report(args.n, runs, floor)


if __name__ == "__main__":
    main()
