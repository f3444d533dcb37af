"""Errors a person can act on.

Every error raised by a service for a reason the user caused (bad input, missing
permission, a conflict) is a DomainError whose `message` is a sentence fit to show
on screen. Anything else is a bug and is logged, never shown.
"""


class DomainError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """The input is wrong; `field` names the form field when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class PermissionDenied(DomainError):
    pass


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class RateLimited(DomainError):
    pass
