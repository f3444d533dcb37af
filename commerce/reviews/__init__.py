"""Verified-buyer reviews, seller replies, helpful votes and reports (`service`); rating figures (`stats`).

Import from the modules: the search indexer reads `stats`, and `service` marks
products for reindexing, so this package imports neither here.
"""
