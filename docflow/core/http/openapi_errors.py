"""The OpenAPI document names every error answer docflow gives.

Handlers raise domain errors that become ``{"status_code", "detail"[, "extra"]}`` with
401, 403, 404, 409, 413, 415, 422, 429 or 503 (``docflow.core.http.errors``); Litestar
documents only the 400 of its own validation. ``document_error_responses`` adds the
shared error schema for those codes to every operation, so a client (and the
schemathesis run in the test suite) can rely on the schema for every answer.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

__all__ = ["ERROR_CODES", "document_error_responses"]

ERROR_CODES: dict[str, str] = {
    "400": "The request is malformed (a parameter or the body does not parse).",
    "401": "No valid sign-in.",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found (or not yours to know of).",
    "409": "Conflicts with the current state.",
    "413": "The body is larger than accepted.",
    "415": "The body's content type is not accepted here.",
    "422": "Well-formed but refused, with the reason.",
    "429": "Too many attempts; see Retry-After.",
    "503": "A service docflow needs is unavailable; nothing was changed, try again.",
}
_ERROR = Schema(
    type=OpenAPIType.OBJECT,
    required=["status_code", "detail"],
    properties={
        "status_code": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING, description="A sentence a person can read."),
        "code": Schema(
            type=OpenAPIType.STRING,
            description="A stable name of the refusal (e.g. pdf_encrypted), when it has one.",
        ),
        "extra": Schema(description="Details, e.g. the failed parameters."),
    },
    description="Every error docflow answers.",
)


def _add_errors(openapi: Any) -> Any:
    components = openapi.components
    schemas = components.schemas if components.schemas is not None else {}
    schemas["DocflowError"] = _ERROR
    components.schemas = schemas
    ref = Reference(ref="#/components/schemas/DocflowError")
    content = {"application/json": OpenAPIMediaType(schema=ref)}
    for path_item in (openapi.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(path_item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            for code, description in ERROR_CODES.items():
                responses[code] = OpenAPIResponse(description=description, content=content)
            operation.responses = responses
    return openapi


def document_error_responses(app: Litestar) -> None:
    """Add the error answers to ``app``'s OpenAPI document (built now, cached by
    Litestar); idempotent."""
    openapi = app.openapi_schema
    if openapi.components.schemas is None or "DocflowError" not in openapi.components.schemas:
        _add_errors(openapi)
