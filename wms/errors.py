"""Domain errors. They know nothing of HTTP; ``wms.api.errors`` maps them."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class InvalidInput(DomainError):
    code = "invalid_input"


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class Duplicate(Conflict):
    """What a create would make exists already (a unique constraint said so)."""

    code = "already_exists"


KINDS = (NotFound, Conflict, InvalidInput, Unauthorized, Forbidden)


def kind_of(exc: DomainError) -> str:
    """The kind of refusal ``exc`` is, as a word (``not_found``, ``conflict``, ``invalid_input``, …, else
    ``error``): what a stored result keeps of its class, and what ``wms.api.errors`` maps to a status."""
    return next((kind.code for kind in KINDS if isinstance(exc, kind)), DomainError.code)
