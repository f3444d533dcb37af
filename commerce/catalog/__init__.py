"""Catalog: products, categories, prices, files and their moderation status."""
