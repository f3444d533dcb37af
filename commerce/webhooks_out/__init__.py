"""Outbound webhooks: sellers' endpoints, signed Standard Webhooks messages, delivery.

A seller registers endpoints (URL, event types) in the studio. Domain events become
messages after commit (`subscribers` enqueue `tasks.record_event`, which writes one
message per subscribed endpoint); each message is sent by the `tasks.deliver_webhook`
job, signed with the `standardwebhooks` library, retried with exponential backoff over
about three days (`delivery`), and an endpoint that fails for that long is disabled and
its seller emailed. Requests leave through `commerce.kit.outbound`, which refuses private, loopback
and link-local addresses after resolving the name and pins the address it checked.
"""
