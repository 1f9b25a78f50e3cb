"""An object store in an S3 bucket (MinIO, SeaweedFS, AWS) through the ``minio`` client."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED
from minio.error import S3Error
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig
from urllib3.util import Timeout

from storage._s3_errors import ALREADY_THERE, BAD_CREDENTIALS, NOT_FOUND, translating
from storage._s3_io import _HashingReader, _retry_policy
from storage.base import (
    CHUNK_SIZE,
    NAMED_PREFIX,
    ObjectStore,
    StoredObject,
    check_expected,
    copy_hashed,
    named_key,
    normalize_name,
    normalize_sha256,
    object_key,
    verifying_reader,
)
from storage.errors import (
    NameTaken,
    ObjectCorrupted,
    ObjectNotFound,
    StorageError,
    StoreUnavailable,
)

__all__ = ["S3ObjectStore"]

_META_SHA256 = "sha256"
_LOCK_STRIPES = 64
_MiB = 1024 * 1024


class S3ObjectStore(ObjectStore):
    """Objects in one S3 bucket at ``sha256/<hex[:2]>/<hex>``, SHA-256 also kept as
    ``x-amz-meta-sha256``.

    Uploading a stream of unknown length: the stream is spooled to an anonymous local
    temporary file while it is hashed, then uploaded from that file (multipart above
    ``part_size``) straight to its content address. Chosen over "upload to a temporary
    key, server-side copy to the address, delete the temporary key" because in a
    versioned bucket with object lock the temporary object could never be deleted (every
    upload would leave a permanent stray copy), a server-side copy of a large object is a
    second full write on SeaweedFS and needs multipart copy above 5 GiB, and with the hash
    known first an already-stored object costs no upload at all. The price is one local
    write and read of the object (page cache for moderate sizes); memory stays at a few
    parts. :meth:`put_file` and :meth:`put_bytes` need no spool.

    Never overwrites: a put first asks whether the address is taken and uploads only if
    not. Puts of the same content are serialised within the process, so concurrent
    threads upload once; two processes racing on the same new content may both upload,
    which leaves identical bytes (a second version in the versioned bucket), never
    different bytes at an address.
    """

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = True,
        region: str | None = None,
        connect_timeout: float = 2.0,
        read_timeout: float = 60.0,
        retries: int = 2,
        part_size: int = 8 * _MiB,
        parallel_uploads: int = 2,
        spool_dir: str | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._bucket = bucket
        self._secure = secure
        self._part_size = max(part_size, 5 * _MiB)
        self._parallel = max(parallel_uploads, 1)
        self._spool_dir = spool_dir
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]
        self._object_lock: bool | None = None
        http = urllib3.PoolManager(
            timeout=Timeout(connect=connect_timeout, read=read_timeout),
            maxsize=max(10, self._parallel + 2),
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=_retry_policy(retries),
        )
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region or "us-east-1",  # given, the client skips a location lookup
            http_client=http,
        )

    @property
    def bucket(self) -> str:
        return self._bucket

    @property
    def object_lock(self) -> bool | None:
        """Whether the bucket has object lock (WORM) enabled; ``None`` before
        :meth:`ensure_ready` found out. Servers without object lock degrade to versioning."""
        return self._object_lock

    def describe(self) -> str:
        scheme = "https" if self._secure else "http"
        return f"S3 bucket {self._bucket} at {scheme}://{self._endpoint}"

    # ------------------------------------------------------------------ errors

    def _translating(self, action: str) -> contextlib.AbstractContextManager[None]:
        return translating(action, self.describe())

    # ------------------------------------------------------------------ readiness

    def ensure_ready(self) -> None:
        with self._translating("set up the bucket"):
            if not self._client.bucket_exists(self._bucket):
                self._make_bucket()
            self._client.set_bucket_versioning(self._bucket, VersioningConfig(ENABLED))
            status = self._client.get_bucket_versioning(self._bucket).status
            if status != ENABLED:
                raise StoreUnavailable(
                    f"The {self.describe()} did not turn versioning on (status {status!r}): "
                    "use an S3 server that supports bucket versioning."
                )
            self._object_lock = self._has_object_lock()

    def _make_bucket(self) -> None:
        try:
            self._client.make_bucket(self._bucket, object_lock=True)
            return
        except S3Error as exc:
            if exc.code in ALREADY_THERE:
                return
            if exc.code in BAD_CREDENTIALS:
                raise
        # The server does not offer object lock: a plain versioned bucket.
        try:
            self._client.make_bucket(self._bucket)
        except S3Error as exc:
            if exc.code not in ALREADY_THERE:
                raise

    def _has_object_lock(self) -> bool:
        try:
            self._client.get_object_lock_config(self._bucket)
        except S3Error:
            return False
        return True

    def ping(self) -> None:
        with self._translating("reach the bucket"):
            found = self._client.bucket_exists(self._bucket)
        if not found:
            raise StoreUnavailable(
                f"The {self.describe()} does not exist (or that endpoint is no S3 server): "
                "create the bucket (ensure_ready) or fix the bucket, host and port in the "
                "storage URL."
            )

    # ------------------------------------------------------------------ writing

    def _lock(self, sha: str) -> threading.Lock:
        return self._locks[int(sha[:4], 16) % _LOCK_STRIPES]

    def _find(self, sha: str) -> StoredObject | None:
        try:
            return self.stat(sha)
        except ObjectNotFound:
            return None

    def _part_size_for(self, size: int) -> int:
        # At most 10,000 parts: grow the part for very large objects (in whole MiB).
        needed = -(-size // 10_000)
        return max(self._part_size, -(-needed // _MiB) * _MiB)

    def _upload(self, data: BinaryIO | _HashingReader, sha: str, size: int) -> str | None:
        with self._translating("store an object"):
            result = self._client.put_object(
                self._bucket,
                object_key(sha),
                data,  # type: ignore[arg-type]  # minio only calls read()
                size,
                metadata={_META_SHA256: sha},
                part_size=self._part_size_for(size),
                num_parallel_uploads=self._parallel,
            )
        return result.version_id

    def put_stream(self, stream: BinaryIO, *, expected_sha256: str | None = None) -> StoredObject:
        try:
            spool = tempfile.TemporaryFile(prefix="docflow-spool-", dir=self._spool_dir)  # noqa: SIM115
        except OSError as exc:
            where = self._spool_dir or tempfile.gettempdir()
            raise StoreUnavailable(
                f"Cannot create a spool file for uploads to the {self.describe()} "
                f"({exc.strerror or exc}): free space in {where}."
            ) from exc
        with spool:
            try:
                sha, size = copy_hashed(stream, spool)
            except OSError as exc:
                raise StoreUnavailable(
                    f"Spooling an upload to the {self.describe()} failed "
                    f"({exc.strerror or exc}): check free space in the spool directory."
                ) from exc
            check_expected(sha, expected_sha256, self.describe())
            with self._lock(sha):
                found = self._find(sha)
                if found is not None:
                    return found
                spool.seek(0)
                self._upload(spool, sha, size)
        return StoredObject.of(sha, size)

    def put_bytes(self, data: bytes, *, expected_sha256: str | None = None) -> StoredObject:
        sha = hashlib.sha256(data).hexdigest()
        check_expected(sha, expected_sha256, self.describe())
        with self._lock(sha):
            found = self._find(sha)
            if found is None:
                self._upload(io.BytesIO(data), sha, len(data))
        return StoredObject.of(sha, len(data))

    def put_file(
        self, path: str | os.PathLike[str], *, expected_sha256: str | None = None
    ) -> StoredObject:
        """Hash the file, then upload it from the file itself (no spool), hashing again
        on the way; a file that changed in between is detected, its upload deleted and
        :class:`StorageError` raised."""
        with open(path, "rb") as f:
            sha, size = copy_hashed(f)
            check_expected(sha, expected_sha256, self.describe())
            with self._lock(sha):
                found = self._find(sha)
                if found is not None:
                    return found
                f.seek(0)
                reader = _HashingReader(f)
                version = self._upload(reader, sha, size)
                if reader.digest.hexdigest() != sha:
                    with self._translating("remove a bad upload"):
                        self._client.remove_object(self._bucket, object_key(sha), version)
                    raise StorageError(
                        f"{os.fspath(path)} changed while it was being stored; nothing was "
                        "stored: store a file that is not being written to."
                    )
        return StoredObject.of(sha, size)

    # ------------------------------------------------------------------ named objects

    def _versions(self, key: str) -> list[str]:
        """Version ids holding bytes at ``key``, oldest last (S3 lists newest first)."""
        with self._translating("list object versions"):
            listing = self._client.list_objects(self._bucket, prefix=key, include_version=True)
            return [
                str(o.version_id)
                for o in listing
                if o.object_name == key and not o.is_delete_marker
            ]

    def put_named(self, name: str, data: bytes, *, retain_until: datetime | None = None) -> None:
        """Under COMPLIANCE retention until ``retain_until`` when the bucket has object
        lock: then no one, the bucket's owner included, can delete or replace that version
        before then. Reads take the oldest version, so a later version changes nothing."""
        key = named_key(name)
        with self._lock(hashlib.sha256(key.encode()).hexdigest()):
            if self._versions(key):
                if self.get_named(name) != data:
                    raise NameTaken(
                        f"{name} in the {self.describe()} already holds other bytes; "
                        "named objects are written once."
                    )
                return
            if self._object_lock is None:
                with self._translating("read the bucket's object lock"):
                    self._object_lock = self._has_object_lock()
            retention = (
                Retention(COMPLIANCE, retain_until)
                if retain_until is not None and self._object_lock
                else None
            )
            with self._translating(f"store {name}"):
                self._client.put_object(
                    self._bucket, key, io.BytesIO(data), len(data), retention=retention
                )

    def get_named(self, name: str) -> bytes:
        key = named_key(name)
        versions = self._versions(key)
        if not versions:
            raise ObjectNotFound(f"No object named {name} in the {self.describe()}.")
        with self._translating(f"read {name}"):
            response = self._client.get_object(self._bucket, key, version_id=versions[-1])
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def list_named(self, prefix: str = "") -> list[str]:
        key = NAMED_PREFIX + normalize_name(prefix, prefix=True)
        skip = len(NAMED_PREFIX)
        with self._translating("list named objects"):
            listing = self._client.list_objects(
                self._bucket, prefix=key, recursive=True, include_version=True
            )
            names = {str(o.object_name)[skip:] for o in listing if not o.is_delete_marker}
        return sorted(names)

    # ------------------------------------------------------------------ reading

    def _not_found(self, sha: str) -> ObjectNotFound:
        return ObjectNotFound(f"No object {sha} in the {self.describe()}.")

    def stat(self, sha256: str) -> StoredObject:
        sha = normalize_sha256(sha256)
        try:
            with self._translating("look up an object"):
                info = self._client.stat_object(self._bucket, object_key(sha))
        except StoreUnavailable as exc:
            if isinstance(exc.__cause__, S3Error) and exc.__cause__.code in NOT_FOUND:
                raise self._not_found(sha) from None
            raise
        recorded = (info.metadata or {}).get(f"x-amz-meta-{_META_SHA256}")
        if recorded is not None and recorded.lower() != sha:
            raise ObjectCorrupted(
                f"Object {sha} in the {self.describe()} is labelled with SHA-256 "
                f"{recorded}: it was not stored by docflow's store; restore it."
            )
        return StoredObject.of(sha, int(info.size or 0))

    @contextlib.contextmanager
    def open(self, sha256: str) -> Iterator[BinaryIO]:
        sha = normalize_sha256(sha256)
        try:
            with self._translating("read an object"):
                response = self._client.get_object(self._bucket, object_key(sha))
        except StoreUnavailable as exc:
            if isinstance(exc.__cause__, S3Error) and exc.__cause__.code in NOT_FOUND:
                raise self._not_found(sha) from None
            raise
        length = response.headers.get("Content-Length")
        size = int(length) if length is not None else self.stat(sha).size

        def close() -> None:
            response.close()
            response.release_conn()

        source = _ResponseSource(self, response)
        stored = StoredObject.of(sha, size)
        with verifying_reader(source, stored, self.describe(), close) as reader:
            yield reader


class _ResponseSource:
    """A GET response body whose network errors become :class:`StoreUnavailable`."""

    def __init__(self, store: S3ObjectStore, response: urllib3.BaseHTTPResponse) -> None:
        self._store = store
        self._response = response

    def read(self, size: int = CHUNK_SIZE, /) -> bytes:
        with self._store._translating("read an object"):
            return self._response.read(size)
