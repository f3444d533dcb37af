"""Orders: carts, discount codes, tax, currencies, checkout, the order lifecycle and refunds.

Import the services from their modules (`commerce.orders.cart`, `.checkout`, ...).
"""
