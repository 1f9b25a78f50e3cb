"""The object store as the service sees it: opened from settings, probed off the event loop."""

from __future__ import annotations

import anyio
import anyio.to_thread

from storage import ObjectStore, StorageError, open_store

__all__ = ["describe_store_error", "open_object_store", "ping_store"]

#: Seconds a store probe may take before it counts as unreachable.
PING_TIMEOUT = 5.0


def open_object_store(url: str) -> ObjectStore:
    """The store behind ``url``; raises ``storage.InvalidStorageURL`` for a bad URL."""
    return open_store(url)


async def ping_store(store: ObjectStore, timeout: float = PING_TIMEOUT) -> None:
    """``store.ping()`` in a worker thread; ``TimeoutError`` if it takes too long."""
    with anyio.fail_after(timeout):
        await anyio.to_thread.run_sync(store.ping, abandon_on_cancel=True)


def describe_store_error(exc: BaseException) -> str:
    """A one-line reason for a store failure."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, StorageError):
        text = str(exc).strip()
        return text.splitlines()[0] if text else exc.__class__.__name__
    text = str(exc).strip()
    return f"{exc.__class__.__name__}: {text.splitlines()[0]}" if text else exc.__class__.__name__
