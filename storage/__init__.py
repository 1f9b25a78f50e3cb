"""Content-addressed, write-once object storage: a local directory or an S3 bucket.

Framework-free. Objects are named by the SHA-256 of their bytes
(``sha256/<hex[:2]>/<hex>``), streamed in and out, verified on read, never overwritten.
Named objects (``put_named``) are the exception for a few small records that must be
found by name, such as audit checkpoint copies: written once, never replaced.
``open_store(url)`` builds a store from ``file:///path`` or ``s3://...`` URLs.
"""

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
