"""``GET /api/v1/registers/incoming``: the incoming register, as JSON, CSV or XLSX."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from docflow.accounts.models_agency import Agency
from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.core.http.bounds import QueryId, QueryYear
from docflow.transfers import register as registers_incoming

__all__ = ["INCOMING_REGISTER_HANDLERS"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@get(
    "/api/v1/registers/incoming",
    tags=["registers"],
    summary="Incoming register of your agency for a year (?format=csv|xlsx to export)",
)
async def incoming_register(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    year: QueryYear,
    format: FromQuery[str] = "json",
    agency_id: QueryId = None,
) -> Response[Any]:
    if format not in ("json", "csv", "xlsx"):
        raise InvalidInput("format must be json, csv or xlsx.")
    rows = await registers_incoming.incoming_register(db_session, principal, agency_id, year)
    if format == "json":
        return Response({"year": year, "items": [r.to_dict() for r in rows]})
    agency = await db_session.get(Agency, agency_id or principal.agency_id)
    name = agency.abbreviation if agency else "agency"
    filename = f"so-van-ban-den-{name}-{year}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "csv":
        return Response(
            registers_incoming.to_csv(rows), media_type="text/csv; charset=utf-8",
            headers=headers,
        )
    title = f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM {year} - {agency.name if agency else ''}"
    return Response(registers_incoming.to_xlsx(rows, title), media_type=XLSX, headers=headers)


INCOMING_REGISTER_HANDLERS = [incoming_register]
