"""The privacy rules: a person's export of everything held about them, erasing an account,
forgetting IP addresses after the retention period, and the admins' log of requests.

See docs/privacy.md for what is kept, for how long and why.
"""
