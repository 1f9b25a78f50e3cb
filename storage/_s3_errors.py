"""What the S3 server or the network said, as a :class:`StoreUnavailable` a person can act
on (credentials, bucket name, endpoint, server down)."""

from __future__ import annotations

import contextlib
import http.client
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError

import urllib3
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

from storage.errors import StorageError, StoreUnavailable

__all__ = ["ALREADY_THERE", "BAD_CREDENTIALS", "NOT_FOUND", "translating", "unavailable"]

NOT_FOUND = {"NoSuchKey", "NoSuchObject", "NoSuchVersion", "ResourceNotFound"}
BAD_CREDENTIALS = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
}
ALREADY_THERE = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


def unavailable(exc: BaseException, action: str, where: str) -> StoreUnavailable:
    """The error for ``exc``, raised while trying to ``action`` on ``where``."""
    if isinstance(exc, S3Error):
        if exc.code in BAD_CREDENTIALS:
            msg = (
                f"The {where} refused to {action} ({exc.code}): check the access key, "
                "secret key and the key's permissions on the bucket."
            )
        elif exc.code == "NoSuchBucket":
            msg = (
                f"The {where} does not exist: create it (ensure_ready) or fix the "
                "bucket name in the storage URL."
            )
        else:
            msg = f"The {where} failed to {action} ({exc.code}: {exc.message})."
    elif isinstance(exc, InvalidResponseError):
        msg = (
            f"The {where} gave no S3 answer when asked to {action} ({exc}): check that "
            "the host and port in the storage URL are the S3 endpoint."
        )
    elif isinstance(exc, ServerError):
        msg = f"The {where} failed with a server error when asked to {action} ({exc}); retry."
    else:
        reason = exc.__class__.__name__
        msg = (
            f"Cannot {action}: the {where} is unreachable ({reason}); check that the "
            "server runs, the host, port and secure= setting in the storage URL, "
            "and the network."
        )
    return StoreUnavailable(msg)


@contextlib.contextmanager
def translating(action: str, where: str) -> Iterator[None]:
    """Client, HTTP and socket errors inside become :class:`StoreUnavailable`."""
    try:
        yield
    except StorageError:
        raise
    except (
        MinioException,
        urllib3.exceptions.HTTPError,
        OSError,
        # A connection cut inside the standard library's HTTP parser, and a half-sent or
        # non-S3 error body (a proxy's HTML page while the store restarts) that minio
        # fails to parse: without these the request ended in a 500.
        http.client.HTTPException,
        ParseError,
    ) as exc:
        raise unavailable(exc, action, where) from exc
