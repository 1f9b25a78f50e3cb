"""Numbers from a request, bounded before they reach the database.

PostgreSQL's ``integer`` ends at 2^31-1; a larger id in a path, a query or a body would
otherwise fail inside the driver (a 500). Path ids out of range answer 404 like any id
that does not exist (``bound_path_ids``, an app-wide guard); query and body numbers
carry their range in their type (also shown in the OpenAPI schema) and answer 422.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar.connection import ASGIConnection
from litestar.params import QueryParameter
from msgspec import Meta

from docflow.core.errors import NotFoundError

__all__ = [
    "MAX_ID",
    "BodyId",
    "QueryId",
    "QueryYear",
    "bound_path_ids",
    "is_range_problem",
]

#: The largest value of a PostgreSQL ``integer`` (SQLite's is larger: the lower bound wins).
MAX_ID = 2**31 - 1
MIN_YEAR, MAX_YEAR = 1900, 9999

#: An id in a JSON body.
BodyId = Annotated[int, Meta(ge=1, le=MAX_ID, description="An id (1 to 2147483647).")]
#: An optional id in the query string.
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
#: A calendar year in the query string.
QueryYear = Annotated[int, QueryParameter(ge=MIN_YEAR, le=MAX_YEAR)]


def bound_path_ids(connection: ASGIConnection[Any, Any, Any, Any], _handler: Any) -> None:
    """App-wide guard: an integer path parameter beyond the database's range names
    nothing that can exist: 404, the same answer as for a missing id."""
    for value in connection.path_params.values():
        out_of_range = isinstance(value, int) and not -MAX_ID <= value <= MAX_ID
        if out_of_range and not isinstance(value, bool):
            raise NotFoundError(f"Nothing was found at this address: {connection.url.path}.")


def is_range_problem(message: str) -> bool:
    """Whether a validation message says a number is out of its range (msgspec's words)."""
    return message.startswith("Expected `int` >=") or message.startswith("Expected `int` <=")
