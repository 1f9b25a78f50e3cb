"""Errors raised by ``signing``. Every message is a sentence a person can act on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "SigningError",
    "SignerLoadError",
    "SignatureCreationError",
    "TimestampError",
    "InvalidPdfError",
    "FieldError",
    "ExternalSigningError",
    "InvalidExternalSignature",
    "signing_errors",
    "translate_error",
]


class SigningError(Exception):
    """Root of every error ``signing`` raises on purpose."""


# --- signing API errors ---


class SignerLoadError(SigningError):
    """A key or certificate could not be loaded (wrong passphrase, unreadable file, token)."""


class SignatureCreationError(SigningError):
    """pyHanko refused or failed to produce the signature."""


class TimestampError(SignatureCreationError):
    """The time-stamping authority could not be reached or answered badly."""


class InvalidPdfError(SigningError):
    """The input is not a PDF that can be signed."""


class FieldError(SigningError):
    """A form field or signature field is missing, filled, or cannot be created."""


class ExternalSigningError(SigningError):
    """The two-step (external key) signing flow cannot continue."""


class InvalidExternalSignature(ExternalSigningError):
    """The signature sent back does not verify against the signer's certificate."""


def translate_error(exc: Exception) -> SigningError:
    """A typed, readable error for whatever pyHanko or the network raised."""
    if isinstance(exc, SigningError):
        return exc
    from pyhanko.sign.general import SigningError as PyHankoSigningError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    if isinstance(exc, TimestampRequestError | asyncio.TimeoutError):
        return TimestampError(f"The time-stamping authority did not answer usefully ({exc}).")
    if isinstance(exc, OSError):
        return SigningError(f"A file could not be read or written ({exc}).")
    if isinstance(exc, PyHankoSigningError) and "field" in str(exc).lower():
        return FieldError(f"The signature field cannot be used: {exc}")
    if isinstance(exc, PyHankoSigningError):
        return SignatureCreationError(f"The signature could not be made: {exc}")
    return SignatureCreationError(
        f"The signature could not be made ({type(exc).__name__}: {exc or 'no detail'})."
    )


def _expected() -> tuple[type[Exception], ...]:
    from signing._failures import CHECK_FAILED  # pyHanko's errors: loaded on failure only

    return CHECK_FAILED


@contextmanager
def signing_errors(doing: str) -> Iterator[None]:
    """The public boundary of a signing function: whatever goes wrong inside leaves as a
    :class:`SigningError` with a readable sentence (callers catch only that). A failure of
    a kind nobody expects is also logged, in one line, as ``doing``."""
    try:
        yield
    except SigningError:
        raise
    except _expected() as exc:
        raise translate_error(exc) from exc
    except Exception as exc:  # the boundary: callers are promised a SigningError
        from signing._failures import log_unexpected

        log_unexpected(exc, doing)
        raise translate_error(exc) from exc
