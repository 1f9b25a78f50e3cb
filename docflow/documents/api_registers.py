"""``GET /api/v1/registers/outgoing``: the outgoing register, as JSON, CSV or XLSX."""

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
from docflow.documents import registers

__all__ = ["REGISTER_HANDLERS"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@get(
    "/api/v1/registers/outgoing",
    tags=["registers"],
    summary="Outgoing register of your agency for a year (?format=csv|xlsx to export)",
)
async def outgoing_register(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    year: QueryYear,
    format: FromQuery[str] = "json",
    document_type: FromQuery[str | None] = None,
    urgency: FromQuery[str | None] = None,
    signer: FromQuery[str | None] = None,
    q: FromQuery[str | None] = None,
    series: FromQuery[str | None] = None,
    agency_id: QueryId = None,
) -> Response[Any]:
    if format not in ("json", "csv", "xlsx"):
        raise InvalidInput("format must be json, csv or xlsx.")
    flt = registers.RegisterFilter(
        year=year,
        document_type=document_type,
        urgency=urgency,
        signer=signer,
        text=q,
        series=series,
    )
    rows = await registers.outgoing_register(db_session, principal, agency_id, flt)
    if format == "json":
        return Response({"year": year, "items": [r.to_dict() for r in rows]})
    agency = await db_session.get(Agency, agency_id or principal.agency_id)
    name = agency.abbreviation if agency else "agency"
    filename = f"so-van-ban-di-{name}-{year}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "csv":
        return Response(
            registers.to_csv(rows), media_type="text/csv; charset=utf-8", headers=headers
        )
    title = f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {year} - {agency.name if agency else ''}"
    return Response(registers.to_xlsx(rows, title), media_type=XLSX, headers=headers)


REGISTER_HANDLERS = [outgoing_register]
