"""Moderation and the admin console. Every service here starts with
`commerce.actor.require_admin` (refusals are logged).

- `audit`: the append-only record of admin decisions.
- `checks`: banned words and the file-type check that flag queue items.
- `decisions`: approve, reject, hide a review, dismiss a report (one function each).
- `queue`: what waits for a decision.
- `quality`: per-shop metrics and the thresholds that flag a shop.
- `users`: find people, suspend or reinstate sellers, promote admins.
- `orders`: look orders up, refund them, read their ledger lines.
- `settings`: take rates, tax rates, currencies.
"""
