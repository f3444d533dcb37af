"""Sellers' translations of a product's title, summary and description, and the texts a
buyer reads in their language.

A product's own texts are the original. A seller may add one translation per language
of `TranslationLanguage`; it is cleaned and limited exactly like the original (title
1–120 characters, summary 280, Markdown description 100 KB, rendered by the same
sanitiser). Buyers get the translation of their language where one exists and the
original otherwise; an empty translated summary or description falls back to the
original's, so a seller may translate the title and summary first.

Saving or removing a translation is an edit of the product (`touch`): search reindexes
it and moderation sees it as edited since its approval.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select

from commerce.actor import Actor
from commerce.catalog.access import owned_product
from commerce.catalog.changes import touch
from commerce.catalog.languages import translation_language
from commerce.catalog.text import clean_description, clean_summary, clean_title
from commerce.catalog.views import ProductEditView, product_edit_view
from commerce.errors import ValidationError
from commerce.kit.time import utcnow
from commerce.models import Product, ProductTranslation, TranslationLanguage, saved_id


def _language(lang: str) -> TranslationLanguage:
    language = translation_language(lang)
    if language is None:
        raise ValidationError("Choose one of the listed languages.", "lang")
    return language


def _row(s: Session, product_id: int, lang: TranslationLanguage) -> ProductTranslation | None:
    return s.exec(
        select(ProductTranslation).where(ProductTranslation.product_id == product_id, ProductTranslation.lang == lang)
    ).first()


def save_translation(
    s: Session,
    actor: Actor,
    product_id: int,
    *,
    lang: str,
    title: str,
    summary: str = "",
    description: str = "",
) -> ProductEditView:
    """Add or replace the product's translation into `lang` (the seller's own products only)."""
    product, shop = owned_product(s, actor, product_id)
    language = _language(lang)
    cleaned_title, cleaned_summary = clean_title(title), clean_summary(summary)
    cleaned_description = clean_description(description)
    row = _row(s, saved_id(product), language)
    if row is None:
        row = ProductTranslation(product_id=saved_id(product), lang=language, title=cleaned_title)
        s.add(row)
    row.title, row.summary, row.description = cleaned_title, cleaned_summary, cleaned_description
    row.updated_at = utcnow()
    touch(product)
    return product_edit_view(s, product, shop)


def remove_translation(s: Session, actor: Actor, product_id: int, lang: str) -> ProductEditView:
    """Delete the product's translation into `lang`; its buyers read the original again."""
    product, shop = owned_product(s, actor, product_id)
    row = _row(s, saved_id(product), _language(lang))
    if row is not None:
        s.delete(row)
        touch(product)
    return product_edit_view(s, product, shop)


@dataclass(frozen=True)
class ProductTexts:
    """What a buyer reads of a product: `lang` is the translation's language, "" for the original."""

    lang: str
    title: str
    summary: str
    description: str  # Markdown

    @property
    def translated(self) -> bool:
        return self.lang != ""


def original_texts(product: Product) -> ProductTexts:
    return ProductTexts("", product.title, product.summary, product.description)


def _texts(product: Product, row: ProductTranslation | None) -> ProductTexts:
    if row is None:
        return original_texts(product)
    return ProductTexts(
        lang=str(row.lang),
        title=row.title,
        summary=row.summary or product.summary,
        description=row.description or product.description,
    )


def texts_for(s: Session, product: Product, lang: str | None) -> ProductTexts:
    """The product's texts in `lang` where the seller translated them, else the original."""
    language = translation_language(lang)
    row = _row(s, saved_id(product), language) if language is not None else None
    return _texts(product, row)


def short_texts_for(s: Session, product_ids: list[int], lang: str | None) -> dict[int, tuple[str, str]]:
    """The translated (title, summary) in `lang` of those of `product_ids` that have a
    translation, for lists, cards and emails; the summary is "" where not translated."""
    language = translation_language(lang)
    if language is None or not product_ids:
        return {}
    rows = s.exec(
        select(ProductTranslation.product_id, ProductTranslation.title, ProductTranslation.summary).where(
            col(ProductTranslation.product_id).in_(product_ids), ProductTranslation.lang == language
        )
    ).all()
    return {product_id: (title, summary) for product_id, title, summary in rows}


def translations_of(s: Session, product_ids: list[int]) -> dict[int, list[ProductTranslation]]:
    """Every translation of each of `product_ids`, in the order of `TranslationLanguage`."""
    if not product_ids:
        return {}
    order = {language: position for position, language in enumerate(TranslationLanguage)}
    found: dict[int, list[ProductTranslation]] = defaultdict(list)
    for row in s.exec(select(ProductTranslation).where(col(ProductTranslation.product_id).in_(product_ids))).all():
        found[row.product_id].append(row)
    return {product_id: sorted(rows, key=lambda row: order[row.lang]) for product_id, rows in found.items()}
