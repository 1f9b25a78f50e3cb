"""Errors raised by ``signing``. Every message is a sentence a person can act on."""

from __future__ import annotations

__all__ = [
    "SigningError",
    "SignerLoadError",
    "SignatureCreationError",
    "TimestampError",
    "InvalidPdfError",
    "FieldError",
    "ExternalSigningError",
    "InvalidExternalSignature",
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
