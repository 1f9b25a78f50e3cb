"""Files of documents: temporary working copies, signing jobs in the worker pool, and
versions written only after their object is stored and hash-checked."""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import IntegrityError

from docflow.core.db import AsyncSession
from docflow.core.errors import DomainError, InvalidInput
from docflow.core.objects import describe_store_error
from docflow.core.signing_pool import SigningPool
from docflow.documents.models import DocumentAttachment, DocumentVersion, VersionSource
from docflow.documents.signing_jobs import JobFailed, JobRefused
from storage import ObjectStore, StorageError

__all__ = [
    "UPLOAD_JOB_SECONDS",
    "ServiceUnavailable",
    "is_duplicate",
    "materialize",
    "put_checked",
    "run_job",
    "save_upload",
    "store_attachment",
    "store_version",
    "stream_object",
    "working_dir",
]


def save_upload(upload: Any, target: Path) -> str:
    """Copy a spooled upload (``litestar.datastructures.UploadFile``) to ``target`` in
    chunks, in a worker thread's call; its SHA-256."""
    digest = hashlib.sha256()
    upload.file.seek(0)
    with open(target, "wb") as out:
        while chunk := upload.file.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def working_dir() -> Iterator[Path]:
    """A private temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="docflow-") as name:
        yield Path(name)


async def materialize(store: ObjectStore, sha256: str, path: Path) -> Path:
    """Copy a stored object into ``path`` (verified against its address)."""

    def copy() -> None:
        with open(path, "wb") as out:
            store.copy_to(sha256, out)

    await anyio.to_thread.run_sync(copy)
    return path


class ServiceUnavailable(DomainError):
    """Signing or storage failed on the server side; nothing was changed: try again."""

    status_code = 503


#: Seconds an upload's checks may take in a worker (well under the pool's own limit: a
#: file that takes longer is refused before it can reach a step that holds a lock).
UPLOAD_JOB_SECONDS = 60.0


async def run_job(
    workers: SigningPool,
    job: Any,
    *args: Any,
    locked: bool = False,
    timeout: float | None = None,
) -> Any:
    """A signing job in the worker pool; a refusal becomes ``InvalidInput`` (422), a
    failure of the signing machinery ``ServiceUnavailable`` (503)."""
    try:
        if timeout is None:
            return await workers.run(job, *args, locked=locked)
        return await workers.run(job, *args, locked=locked, timeout=timeout)
    except TimeoutError:
        raise ServiceUnavailable(
            "Processing the PDF took too long and was stopped; nothing was changed. If the "
            "file is unusual (very large, malformed), export it again and retry."
        ) from None
    except BrokenProcessPool:
        raise ServiceUnavailable(
            "A signing worker stopped unexpectedly; nothing was changed: try again."
        ) from None
    except JobRefused as exc:
        code = str(exc.args[1]) if len(exc.args) > 1 else None
        reason = str(exc.args[0]) if exc.args else "The file was refused."
        raise InvalidInput(reason, code=code) from None
    except JobFailed as exc:
        reason = exc.args[0] if exc.args else type(exc).__name__
        raise ServiceUnavailable(
            f"Signing failed on the server ({reason}); nothing was changed: try again "
            "later or tell the administrator."
        ) from None


async def put_checked(store: ObjectStore, path: Path, sha256: str) -> Any:
    """Store the file, refused unless it hashes to ``sha256``; 503 if the store fails."""
    try:
        return await anyio.to_thread.run_sync(
            lambda: store.put_file(path, expected_sha256=sha256)
        )
    except StorageError as exc:
        raise ServiceUnavailable(
            f"The document store did not take the file ({describe_store_error(exc)}); "
            "nothing was changed: try again."
        ) from None


async def store_attachment(
    store: ObjectStore,
    session: AsyncSession,
    document_id: int,
    position: int,
    filename: str,
    path: Path,
    sha256: str,
) -> DocumentAttachment:
    """Store an attachment's PDF (hash-checked), then add its row."""
    stored = await put_checked(store, path, sha256)
    row = DocumentAttachment(
        document_id=document_id,
        position=position,
        filename=filename[:255] or f"phu-luc-{position}.pdf",
        sha256=stored.sha256,
        size=stored.size,
    )
    session.add(row)
    return row


async def store_version(
    store: ObjectStore,
    session: AsyncSession,
    document_id: int,
    version: int,
    path: Path,
    sha256: str,
    produced_by: VersionSource,
    actor_id: int | None,
) -> DocumentVersion:
    """Store the file (refused unless it hashes to ``sha256``), then add its row."""
    stored = await put_checked(store, path, sha256)
    row = DocumentVersion(
        document_id=document_id,
        version=version,
        sha256=stored.sha256,
        object_key=stored.key,
        size=stored.size,
        produced_by=produced_by.value,
        actor_id=actor_id,
    )
    session.add(row)
    return row


async def stream_object(store: ObjectStore, sha256: str) -> AsyncIterator[bytes]:
    """The stored bytes in chunks, read in a worker thread, verified at the end.

    The object is opened here, before the answer starts: a store that fails answers
    503 with a reason (``ServiceUnavailable``) instead of a response cut short."""
    opened = store.open(sha256)
    try:
        handle = await anyio.to_thread.run_sync(opened.__enter__)
    except StorageError as exc:
        raise ServiceUnavailable(
            f"The document store cannot give the file now ({describe_store_error(exc)}); "
            "try again shortly."
        ) from None
    return _chunks(opened, handle)


async def _chunks(opened: Any, handle: Any) -> AsyncIterator[bytes]:
    try:
        while chunk := await anyio.to_thread.run_sync(handle.read, 1 << 20):
            yield chunk
    finally:
        await anyio.to_thread.run_sync(opened.__exit__, None, None, None)


def is_duplicate(exc: IntegrityError) -> bool:
    """Whether an insert lost a race on a unique constraint."""
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "unique" in text or "duplicate" in text
