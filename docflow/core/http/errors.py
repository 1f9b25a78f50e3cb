"""One error shape for every failure: ``{"status_code", "detail"[, "code", "extra"]}``.

``detail`` is a sentence a person can read. The object store or the database away
(``storage.StorageError``; a connection error, ``core.db_outage``) is a 503 saying that
nothing was changed and to try again. Other unexpected exceptions become a 500 with a
generic sentence and the request id; the traceback goes to the server log only.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from docflow.core.db_outage import describe_error, is_connection_error
from docflow.core.errors import DomainError
from docflow.core.http.bounds import is_range_problem
from docflow.core.log import current_request_id
from docflow.core.objects import describe_store_error
from storage import StorageError

__all__ = [
    "DATABASE_RETRY_AFTER",
    "DATABASE_UNAVAILABLE_DETAIL",
    "EXCEPTION_HANDLERS",
    "STORE_UNAVAILABLE_DETAIL",
    "database_unavailable",
    "handle_unexpected",
]

logger = logging.getLogger("docflow.errors")

#: The answer when the object store fails (down, restarting, refusing).
STORE_UNAVAILABLE_DETAIL = (
    "The document store is unavailable right now; nothing was changed: try again shortly."
)
#: The answer when the database cannot be reached or the connection broke mid-request
#: (the web pages say it in the reader's language: ``err.database_unavailable``).
DATABASE_UNAVAILABLE_DETAIL = (
    "The database is unavailable right now; nothing was changed: try again in a moment."
)
#: Seconds a client should wait before trying again (a restart takes a few).
DATABASE_RETRY_AFTER = "10"

#: Sentences for errors raised with no detail of their own.
_DEFAULT_DETAILS = {
    400: "The request is not valid.",
    401: "You need to log in to do this.",
    403: "You are not allowed to do this.",
    404: "Nothing was found at this address.",
    405: "This address does not accept this method.",
    409: "The request conflicts with the current state.",
    413: "The upload is larger than this server accepts.",
    415: "This content type is not accepted here.",
    429: "Too many requests; wait a moment and try again.",
    503: "The service is temporarily unavailable; try again shortly.",
}


def _error_response(
    status_code: int,
    detail: str,
    extra: Any = None,
    headers: dict[str, str] | None = None,
    code: str | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"status_code": status_code, "detail": detail}
    if code:  # a domain error's stable name, for programs and the pages' catalogue
        body["code"] = code
    if extra:
        body["extra"] = extra
    return Response(body, status_code=status_code, media_type=MediaType.JSON, headers=headers)


def _is_placeholder(detail: str, status_code: int) -> bool:
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        return not detail
    return not detail or detail.strip().lower() == phrase.lower()


def _validation_detail(exc: ValidationException) -> str:
    problems: list[str] = []
    if isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict):
                key = item.get("key")
                message = item.get("message", "")
                problems.append(f"{key}: {message}" if key else str(message))
    if problems:
        return "The request is not valid: " + "; ".join(problems) + "."
    return _DEFAULT_DETAILS[400]


def _only_range_problems(exc: ValidationException) -> bool:
    items = exc.extra if isinstance(exc.extra, list) else []
    messages = [str(i.get("message", "")) for i in items if isinstance(i, dict)]
    return bool(messages) and all(is_range_problem(m) for m in messages)


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status_code = exc.status_code
    if isinstance(exc, ValidationException):
        detail = _validation_detail(exc)
        if _only_range_problems(exc):
            # Well-formed, but a number no record can carry (e.g. an id past 2^31-1).
            status_code = 422
    elif _is_placeholder(exc.detail, status_code):
        default = _DEFAULT_DETAILS.get(status_code)
        detail = default if default is not None else HTTPStatus(status_code).phrase + "."
        if status_code in (404, 405):
            detail = f"{detail[:-1]}: {request.method} {request.url.path}."
    else:
        detail = exc.detail
    if status_code >= 500:
        logger.error("%s %s answered %s: %s", request.method, request.url.path, status_code, detail)
    return _error_response(status_code, detail, exc.extra, exc.headers)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    # Some errors carry headers of their own (Retry-After on 429, WWW-Authenticate on 401).
    headers = getattr(exc, "headers", None)
    return _error_response(
        exc.status_code,
        str(exc) or _DEFAULT_DETAILS.get(exc.status_code, ""),
        getattr(exc, "extra", None),  # e.g. the coded problems of a refused package
        headers=dict(headers) if headers else None,
        code=exc.code,
    )


def database_unavailable(request: Request[Any, Any, Any], exc: BaseException) -> None:
    """Log, in one line and without a traceback, that ``exc`` was the database away."""
    logger.warning(
        "%s %s: database unavailable: %s", request.method, request.url.path, describe_error(exc)
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A 500, unless ``exc`` is the database away (``is_connection_error``): a 503 then,
    since retrying in a moment may work and the request's transaction did not commit."""
    if is_connection_error(exc):
        database_unavailable(request, exc)
        return _error_response(
            503,
            DATABASE_UNAVAILABLE_DETAIL,
            headers={"Retry-After": DATABASE_RETRY_AFTER},
            code="database_unavailable",
        )
    request_id = current_request_id.get() or "-"
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_response(
        500,
        "Something went wrong on the server. The error was logged; if it persists, "
        f"report request id {request_id}.",
        {"request_id": request_id},
    )


def handle_storage_error(request: Request[Any, Any, Any], exc: StorageError) -> Response[Any]:
    """The object store failed where no service turned it into a sentence: 503, since
    retrying later may work; nothing was changed (objects are content-addressed and
    written before their rows, so a failed write leaves neither).

    The caller gets a sentence a clerk can act on; what failed and where (the store's
    address, which is the operator's business) goes to the server log."""
    reason = describe_store_error(exc)
    logger.warning("%s %s: object store failed: %s", request.method, request.url.path, reason)
    return _error_response(
        503,
        STORE_UNAVAILABLE_DETAIL,
        headers={"Retry-After": "30"},
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    HTTPException: handle_http_exception,
    DomainError: handle_domain_error,
    StorageError: handle_storage_error,
    Exception: handle_unexpected,
}
