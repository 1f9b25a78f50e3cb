"""Agencies and their departments: ``/api/v1/agencies``."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from docflow.accounts import agencies
from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession

__all__ = ["DIRECTORY_HANDLERS"]


@get("/api/v1/agencies", tags=["agencies"], summary="The agency directory")
async def list_agencies(
    principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]
) -> list[agencies.AgencyInfo]:
    return await agencies.list_directory(db_session)


@dataclass(frozen=True)
class NewAgency:
    name: str
    abbreviation: str
    #: One or more identifier codes (``000.00.00.H30``).
    codes: list[str]
    #: Abbreviation of the parent agency.
    parent: str | None = None


@post("/api/v1/agencies", tags=["agencies"], summary="Add an agency (province admin)")
async def create_agency(
    data: JSONBody[NewAgency],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> agencies.AgencyInfo:
    return await agencies.create_agency(
        db_session,
        principal,
        codes=data.codes,
        name=data.name,
        abbreviation=data.abbreviation,
        parent=data.parent,
    )


@get(
    "/api/v1/agencies/{agency_id:int}/departments",
    tags=["agencies"],
    summary="Departments of an agency",
)
async def list_departments(
    agency_id: FromPath[int],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> list[agencies.DepartmentInfo]:
    return await agencies.list_departments(db_session, principal, agency_id)


@dataclass(frozen=True)
class NewDepartment:
    name: str


@post(
    "/api/v1/agencies/{agency_id:int}/departments",
    tags=["agencies"],
    summary="Add a department (admin of the agency)",
)
async def create_department(
    agency_id: FromPath[int],
    data: JSONBody[NewDepartment],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> agencies.DepartmentInfo:
    return await agencies.create_department(db_session, principal, agency_id, data.name)


DIRECTORY_HANDLERS = [list_agencies, create_agency, list_departments, create_department]
