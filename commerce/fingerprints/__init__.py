"""Invisible per-purchase fingerprints: the payload, and how each file format carries it.

Pure functions over files and bytes (no database): `commerce.delivery` marks each
buyer's copy, `commerce.protection` reads a suspicious file back. Every format
carries the same 8-byte payload (order line id + keyed MAC) in several layers, so
one surviving layer is enough to trace a copy and a changed one shows as tampered.
"""
