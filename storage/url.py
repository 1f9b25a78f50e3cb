"""``open_store``: a store from a storage URL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from storage.base import ObjectStore
from storage.errors import InvalidStorageURL
from storage.local import LocalObjectStore
from storage.s3 import S3ObjectStore

__all__ = ["open_store"]

_ACCEPTED = (
    "file:///absolute/path or "
    "s3://ACCESS:SECRET@host:port/bucket?secure=false (optional &region=NAME)"
)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _invalid(url: str, problem: str) -> InvalidStorageURL:
    return InvalidStorageURL(f"Storage URL {_redact(url)!r} {problem}; use {_ACCEPTED}.")


def _redact(url: str) -> str:
    """The URL with any secret replaced by ``***``."""
    return re.sub(r"^(s3://[^:/@]*):[^@]*@", r"\1:***@", url.strip())


def open_store(url: str) -> ObjectStore:
    """The store a URL names: ``file:///abs/path`` (local directory) or
    ``s3://ACCESS:SECRET@host:port/bucket?secure=false|true&region=...`` (S3; ``secure``
    defaults to true; percent-encode ``:``, ``@`` and ``/`` in keys). Creates nothing:
    call :meth:`ObjectStore.ensure_ready`. :class:`InvalidStorageURL` when malformed."""
    if not isinstance(url, str) or "://" not in url:
        raise _invalid(str(url), "has no scheme")
    scheme = url.split("://", 1)[0].lower()
    if scheme == "file":
        return _local(url)
    if scheme == "s3":
        return _s3(url)
    raise _invalid(url, f"has the unknown scheme {scheme!r}")


def _local(url: str) -> LocalObjectStore:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise _invalid(url, f"names the host {parts.netloc!r} (a local path has none)")
    if parts.query or parts.fragment:
        raise _invalid(url, "has a query or fragment")
    path = unquote(parts.path)
    if not path.startswith("/") or path == "/":
        raise _invalid(url, "does not name an absolute directory")
    return LocalObjectStore(path.rstrip("/"))


def _s3(url: str) -> S3ObjectStore:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _invalid(url, f"is malformed ({exc})") from None
    if not parts.username or parts.password is None:
        raise _invalid(url, "has no ACCESS:SECRET credentials")
    if not parts.hostname:
        raise _invalid(url, "has no host")
    bucket = parts.path.strip("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise _invalid(url, f"has no valid bucket name (got {bucket!r}; 3-63 of a-z 0-9 . -)")
    if parts.fragment:
        raise _invalid(url, "has a fragment")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = set(query) - {"secure", "region"}
    if unknown:
        raise _invalid(url, f"has unknown parameters {sorted(unknown)}")
    secure = True
    if "secure" in query:
        value = query["secure"][-1].lower()
        if value not in _BOOLEANS:
            raise _invalid(url, f"has secure={value!r} (true or false)")
        secure = _BOOLEANS[value]
    region = query["region"][-1] if "region" in query else None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    endpoint = f"{host}:{port}" if port is not None else host
    return S3ObjectStore(
        endpoint,
        unquote(parts.username),
        unquote(parts.password),
        bucket,
        secure=secure,
        region=region or None,
    )
