"""An object store in a local directory (the embedded default)."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from storage.base import (
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
from storage.errors import NameTaken, ObjectNotFound, StoreUnavailable

__all__ = ["LocalObjectStore"]

_TMP_DIR = ".tmp"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalObjectStore(ObjectStore):
    """Objects as files under ``root``: ``root/sha256/<hex[:2]>/<hex>``, read-only.

    A put writes a temporary file in ``root/.tmp`` (same file system), fsyncs it, then
    hard-links it to its address, which fails rather than replaces when the address is
    taken: an existing object is never overwritten, and concurrent puts of the same
    content (threads or processes) all succeed with one file. The directory is then
    fsynced, so a stored object survives a crash.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._root = Path(root)

    @property
    def root(self) -> Path:
        """The directory holding the objects."""
        return self._root

    def describe(self) -> str:
        return f"local store at {self._root}"

    # ------------------------------------------------------------------ readiness

    def ensure_ready(self) -> None:
        try:
            (self._root / "sha256").mkdir(parents=True, exist_ok=True)
            (self._root / _TMP_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(
                f"Cannot create the {self.describe()} ({exc.strerror or exc}): create the "
                "directory or point the storage URL at a writable one."
            ) from exc
        self.ping()

    def ping(self) -> None:
        for path in (self._root, self._root / "sha256", self._root / _TMP_DIR):
            if not path.is_dir():
                raise StoreUnavailable(
                    f"The {self.describe()} is not ready: {path} is not a directory; "
                    "run the store set-up (ensure_ready) or check that the disk is mounted."
                )
        if not os.access(self._root / _TMP_DIR, os.W_OK | os.X_OK):
            raise StoreUnavailable(
                f"The {self.describe()} is not writable: give the service write access "
                f"to {self._root / _TMP_DIR}."
            )

    # ------------------------------------------------------------------ writing

    def _path(self, sha256_hex: str) -> Path:
        return self._root / object_key(sha256_hex)

    def put_stream(self, stream: BinaryIO, *, expected_sha256: str | None = None) -> StoredObject:
        tmp_dir = self._root / _TMP_DIR
        try:
            fd, tmp_name = tempfile.mkstemp(prefix="put-", dir=tmp_dir)
        except OSError as exc:
            raise StoreUnavailable(
                f"Cannot write to the {self.describe()} ({exc.strerror or exc}): check that "
                "it exists (ensure_ready), is writable and has free space."
            ) from exc
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha, size = copy_hashed(stream, out)
                check_expected(sha, expected_sha256, self.describe())
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o444)
            self._link_into_place(tmp, sha)
        except OSError as exc:
            raise StoreUnavailable(
                f"Writing to the {self.describe()} failed ({exc.strerror or exc}): check "
                "free space and permissions."
            ) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return StoredObject.of(sha, size)

    def _link_into_place(self, tmp: Path, sha: str) -> None:
        final = self._path(sha)
        if not final.parent.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
            _fsync_dir(final.parent.parent)  # the new fan-out directory's entry
        try:
            os.link(tmp, final)
        except FileExistsError:
            return  # same address, same content: already stored
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            # No hard links on this file system: rename, which would replace, so only
            # when the address is free (a lost race replaces identical bytes).
            if final.exists():
                return
            os.rename(tmp, final)
        _fsync_dir(final.parent)

    # ------------------------------------------------------------------ reading

    def stat(self, sha256: str) -> StoredObject:
        sha = normalize_sha256(sha256)
        try:
            st = self._path(sha).stat()
        except FileNotFoundError:
            raise self._not_found(sha) from None
        except OSError as exc:
            raise StoreUnavailable(
                f"Cannot read the {self.describe()} ({exc.strerror or exc}): check the disk."
            ) from exc
        return StoredObject.of(sha, st.st_size)

    def _not_found(self, sha: str) -> ObjectNotFound:
        return ObjectNotFound(f"No object {sha} in the {self.describe()}.")

    @contextlib.contextmanager
    def open(self, sha256: str) -> Iterator[BinaryIO]:
        sha = normalize_sha256(sha256)
        try:
            f = open(self._path(sha), "rb", buffering=0)  # noqa: SIM115 - closed by the reader
        except FileNotFoundError:
            raise self._not_found(sha) from None
        except OSError as exc:
            raise StoreUnavailable(
                f"Cannot read the {self.describe()} ({exc.strerror or exc}): check the disk."
            ) from exc
        stored = StoredObject.of(sha, os.fstat(f.fileno()).st_size)
        with verifying_reader(f, stored, self.describe(), f.close) as reader:
            yield reader

    # ------------------------------------------------------------------ named objects

    def put_named(self, name: str, data: bytes, *, retain_until: datetime | None = None) -> None:
        """Written like a content-addressed object (temporary file, fsync, hard link that
        refuses to replace). ``retain_until`` is not enforced: a local directory is only
        as safe as the file system's permissions."""
        final = self._root / named_key(name)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix="named-", dir=self._root / _TMP_DIR)
        except OSError as exc:
            raise StoreUnavailable(
                f"Cannot write to the {self.describe()} ({exc.strerror or exc}): check that "
                "it exists (ensure_ready) and is writable."
            ) from exc
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, final)
            except FileExistsError:
                if final.read_bytes() != data:
                    raise NameTaken(
                        f"{name} in the {self.describe()} already holds other bytes; "
                        "named objects are written once."
                    ) from None
                return
            _fsync_dir(final.parent)
        except OSError as exc:
            raise StoreUnavailable(
                f"Writing {name} to the {self.describe()} failed ({exc.strerror or exc})."
            ) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def get_named(self, name: str) -> bytes:
        path = self._root / named_key(name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(f"No object named {name} in the {self.describe()}.") from None
        except OSError as exc:
            raise StoreUnavailable(
                f"Cannot read {name} in the {self.describe()} ({exc.strerror or exc})."
            ) from exc

    def list_named(self, prefix: str = "") -> list[str]:
        prefix = normalize_name(prefix, prefix=True)
        base = self._root / NAMED_PREFIX
        folder = base / prefix.rsplit("/", 1)[0] if "/" in prefix else base
        if not folder.is_dir():
            return []
        names = (str(p.relative_to(base)) for p in folder.rglob("*") if p.is_file())
        return sorted(n for n in names if n.startswith(prefix))
