"""Content-addressed, write-once object storage: a local directory or an S3 bucket.

Framework-free. Objects are named by the SHA-256 of their bytes
(``sha256/<hex[:2]>/<hex>``), streamed in and out, verified on read, never overwritten.
Named objects (``put_named``) are the exception for a few small records that must be
found by name, such as audit checkpoint copies: written once, never replaced.
``open_store(url)`` builds a store from ``file:///path`` or ``s3://...`` URLs.

The names load lazily (PEP 562): importing the package for its errors does not import
the S3 client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "ObjectStore": "storage.base",
    "StoredObject": "storage.base",
    "object_key": "storage.base",
    "normalize_name": "storage.base",
    "DigestMismatch": "storage.errors",
    "InvalidObjectAddress": "storage.errors",
    "InvalidObjectName": "storage.errors",
    "NameTaken": "storage.errors",
    "InvalidStorageURL": "storage.errors",
    "ObjectCorrupted": "storage.errors",
    "ObjectNotFound": "storage.errors",
    "StorageError": "storage.errors",
    "StoreUnavailable": "storage.errors",
    "LocalObjectStore": "storage.local",
    "S3ObjectStore": "storage.s3",
    "open_store": "storage.url",
}

# a literal, so that type checkers see the names as this package's (a computed
# list hides them); tests/unit/test_package_faces.py keeps it equal to _EXPORTS
__all__ = [
    "DigestMismatch",
    "InvalidObjectAddress",
    "InvalidObjectName",
    "InvalidStorageURL",
    "LocalObjectStore",
    "NameTaken",
    "ObjectCorrupted",
    "ObjectNotFound",
    "ObjectStore",
    "S3ObjectStore",
    "StorageError",
    "StoreUnavailable",
    "StoredObject",
    "normalize_name",
    "object_key",
    "open_store",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from storage.base import ObjectStore, StoredObject, normalize_name, object_key
    from storage.errors import (
        DigestMismatch,
        InvalidObjectAddress,
        InvalidObjectName,
        InvalidStorageURL,
        NameTaken,
        ObjectCorrupted,
        ObjectNotFound,
        StorageError,
        StoreUnavailable,
    )
    from storage.local import LocalObjectStore
    from storage.s3 import S3ObjectStore
    from storage.url import open_store
