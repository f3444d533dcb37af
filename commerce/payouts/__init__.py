"""Payouts: sellers' connected payout accounts (Stripe Connect Express, or TestPay's local
accounts), the admin's schedule and minimum, and the transfers that pay each seller their
available earnings ("separate charges and transfers": buyers pay the platform).

`engine` is the state machine and its ledger entries (pending -> in_transit -> paid, or
failed with the money available again); `tasks` holds the jobs that talk to the provider;
`accounts` connects a shop; `schedule` is the admin's settings; `views` what the payouts
pages show; `webhooks` reads Connect events; `subscribers` react to refunds, disputes and
payouts (the seller's notices).
"""
