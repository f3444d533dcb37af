"""What crawlers and link previews read without running the page's scripts.

Modules: `head` (a product's, shop's or category's title, description, canonical path,
picture and schema.org data, by the pages' own rules) and `sitemap` (every live product,
shop and category, read in batches so a sitemap is streamed, never built in memory).
Rendering them as HTML and XML is the storefront's job.
"""
