"""The S3 store's plumbing: how failing requests are retried, and a reader that hashes
what the upload reads (``storage.s3`` uses both)."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from urllib3.util import Retry


def _retry_policy(retries: int) -> Retry:
    """At most ``retries`` more attempts, each kind bounded, so a store that is down
    fails within seconds and the app answers 503 instead of holding the request.

    A refused or unreachable endpoint is tried once more (``connect``): each try costs at
    most the connect timeout. A request the server accepted and then dropped or left
    unanswered is resent at most once (``read``): each wait there is a full read timeout,
    which must stay long for large objects, so unbounded read retries multiplied it.
    Back-off is capped at one second and a ``Retry-After`` from a struggling server is
    not obeyed (it could park a worker thread for as long as the server asks)."""
    return Retry(
        total=retries,
        connect=min(retries, 1),
        read=min(retries, 1),
        other=0,
        backoff_factor=0.2,
        backoff_max=1.0,
        status_forcelist=[500, 502, 503, 504],
        respect_retry_after_header=False,
    )


class _HashingReader:
    """Reads through to ``source`` and hashes what passed (for :meth:`put_file`)."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        data = self._source.read(size)
        self.digest.update(data)
        return data
