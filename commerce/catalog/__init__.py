"""Catalog: products, their texts, prices, images, files and versions, license-key
inventory and moderation status, and the read queries of the shop pages.

Modules: `products` (create, edit, price, publish, moderate), `files` (uploads and
versions), `images` (cover and gallery thumbnails), `keys` (license-key settings
and inventory), `queries` (buyer pages and the seller list), `views` (the view
models), `visibility` (the one rule for what buyers see).
"""
