"""Errors raised by the object store; all are :class:`StorageError`.

``str(exc)`` is one sentence a person can act on: what failed, where, and what to do.
"""

from __future__ import annotations

__all__ = [
    "DigestMismatch",
    "InvalidObjectAddress",
    "InvalidObjectName",
    "InvalidStorageURL",
    "NameTaken",
    "ObjectCorrupted",
    "ObjectNotFound",
    "StorageError",
    "StoreUnavailable",
]


class StorageError(Exception):
    """Base of every error the storage package raises."""


class InvalidStorageURL(StorageError, ValueError):
    """A storage URL with an unknown scheme or a malformed part."""


class InvalidObjectAddress(StorageError, ValueError):
    """A SHA-256 address that is not 64 hexadecimal digits."""


class StoreUnavailable(StorageError):
    """The store cannot be reached or used: endpoint down, bad credentials, disk missing."""


class ObjectNotFound(StorageError):
    """No object is stored at the given address."""


class ObjectCorrupted(StorageError):
    """Stored bytes do not hash to their address."""


class DigestMismatch(ObjectCorrupted):
    """Content offered for storage does not hash to the SHA-256 the caller expected.

    Nothing was stored.
    """


class InvalidObjectName(StorageError, ValueError):
    """A name for a named object that is not lower-case ``a/b-c.d`` segments."""


class NameTaken(StorageError):
    """A named object already holds other bytes: named objects are written once."""
