"""The marketplace ledger: double-entry postings per order line, balances derived from them."""

from commerce.ledger.service import (
    DEFAULT_HOLD,
    PayoutRow,
    SellerBalance,
    account_totals,
    payouts_csv,
    payouts_report,
    post_dispute_hold,
    post_refund,
    post_sale,
    seller_balances,
    seller_statement_csv,
    trial_balance,
)

__all__ = [
    "DEFAULT_HOLD",
    "PayoutRow",
    "SellerBalance",
    "account_totals",
    "payouts_csv",
    "payouts_report",
    "post_dispute_hold",
    "post_refund",
    "post_sale",
    "seller_balances",
    "seller_statement_csv",
    "trial_balance",
]
