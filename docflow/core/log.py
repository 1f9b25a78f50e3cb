"""Logging with request ids.

Every log record carries ``request_id`` (``-`` outside a request): the request-id
middleware sets a context variable and a log-record factory copies it onto each
record, so any handler (including pytest's caplog) sees it.

The same factory folds the tracebacks that pyHanko and its certificate validator attach
to ordinary refusals (a file that does not validate, a path that cannot be built) into
the record's one line: a hostile file is an answer to give, not a crash to debug.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import TextIO

__all__ = [
    "LOG_FORMAT",
    "RequestIdFilter",
    "configure_logging",
    "current_request_id",
    "configure_worker_logging",
    "install_request_id_factory",
    "one_line",
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
#: Libraries whose logged exceptions are refusals of the input, not faults of docflow.
QUIET_LIBRARIES = ("pyhanko", "pyhanko_certvalidator", "asn1crypto")


def one_line(record: logging.LogRecord) -> logging.LogRecord:
    """Fold a quiet library's traceback into the message: ``... (ErrorType: reason)``."""
    if record.exc_info and record.name.split(".", 1)[0] in QUIET_LIBRARIES:
        exc = record.exc_info[1]
        if exc is not None:
            reason = " ".join(str(exc).split())[:300]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {reason})"
            record.args = None
        record.exc_info = None
        record.exc_text = None
    return record


def install_request_id_factory() -> None:
    """Make every new log record carry the current request id (idempotent)."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = current_request_id.get() or "-"
        return one_line(record)

    logging.setLogRecordFactory(factory)
    _factory_installed = True


class _DocflowHandler(logging.StreamHandler[TextIO]):
    """A handler docflow installed (replaced, never doubled, when configured again)."""

    _docflow = True


def configure_logging(level: str = "INFO") -> None:
    """Send logs to stderr in the docflow format (for `docflow serve` and the CLI)."""
    install_request_id_factory()
    handler = _DocflowHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_docflow", False):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        # uvicorn's own handlers would print without request ids; let records reach root.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # docflow.access logs every request with its id (core.http.request_id). uvicorn
    # writes its access line whenever "uvicorn.access" has a handler up the tree: with
    # the records reaching root, every request of a `serve --workers N` process was
    # logged twice. No handler and no propagation: uvicorn does not even format it.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False


def configure_worker_logging() -> None:
    """In a signing worker process: warnings to stderr in the docflow format, library
    refusals in one line (a worker otherwise prints Python's bare tracebacks)."""
    install_request_id_factory()
    root = logging.getLogger()
    if not any(getattr(h, "_docflow", False) for h in root.handlers):
        handler = _DocflowHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
