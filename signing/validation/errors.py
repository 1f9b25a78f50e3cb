"""Typed errors raised by ``signing.validation``."""

from __future__ import annotations

from signing.errors import SigningError

__all__ = ["UnreadablePdf"]


class UnreadablePdf(SigningError):
    """The file could not be read as a PDF at all (the reason is one sentence)."""

    def __init__(self, reason: str) -> None:
        self.reason = " ".join(reason.split())
        super().__init__(self.reason)
