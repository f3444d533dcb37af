"""Shop analytics: events captured on the server, rolled up by jobs, read by the seller dashboard.

capture.py   record_event (views, add-to-cart, checkout, download) and the visit context
sales.py     purchase and refund events from the orders lifecycle (hooks)
rollups.py   per shop/product/day (and hour) rollups recomputed from events
dashboard.py the seller dashboard's figures, read from the rollups
exports.py   sales and customers CSV, streamed in batches
tasks.py     the jobs: roll up pending days, delete old events
"""

from commerce.analytics.capture import VisitContext, device_class, new_visitor_id, record_event

__all__ = ["VisitContext", "device_class", "new_visitor_id", "record_event"]
