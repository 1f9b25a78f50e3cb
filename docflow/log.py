"""Logging with request ids.

Every log record carries ``request_id`` (``-`` outside a request): the request-id
middleware sets a context variable and a log-record factory copies it onto each
record, so any handler (including pytest's caplog) sees it.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

__all__ = [
    "LOG_FORMAT",
    "RequestIdFilter",
    "configure_logging",
    "current_request_id",
    "install_request_id_factory",
]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"

#: The id of the request being handled in this context, or None outside a request.
current_request_id: ContextVar[str | None] = ContextVar("docflow_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on records that lack it (records made before the factory)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get() or "-"
        return True


_factory_installed = False


def install_request_id_factory() -> None:
    """Make every new log record carry the current request id (idempotent)."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)  # type: ignore[arg-type]
        record.request_id = current_request_id.get() or "-"
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def configure_logging(level: str = "INFO") -> None:
    """Send logs to stderr in the docflow format (for `docflow serve` and the CLI)."""
    install_request_id_factory()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_docflow", False):
            root.removeHandler(existing)
    handler._docflow = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print without request ids; let records reach root.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
