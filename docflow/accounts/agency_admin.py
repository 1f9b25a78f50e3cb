"""Administering agencies and departments beyond adding them (``agencies.py``): a
province admin corrects an agency's name and contacts; an agency's admin renames its
departments. The pages (``/admin/agencies``) and the API call these; each checks its
permission and records its audit event."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.agencies import DepartmentInfo
from docflow.accounts.inputs import clean_email, clean_name
from docflow.accounts.models_agency import Agency, Department
from docflow.accounts.permissions import Principal, can_manage_agency, can_manage_province
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput, NotFoundError

__all__ = [
    "AgencyChange",
    "agencies_managed_by",
    "department_names",
    "rename_department",
    "update_agency",
]


@dataclass(frozen=True)
class AgencyChange:
    """The fields of an agency an administrator may correct: ``name`` None keeps the
    name; a contact None or empty clears it."""

    name: str | None = None
    address: str | None = None
    email: str | None = None
    phone: str | None = None


async def agencies_managed_by(session: AsyncSession, actor: Principal) -> list[Agency]:
    """The agencies ``actor`` administers, by abbreviation: every one of this system for a
    province admin (not other systems' agencies), their own for an agency admin."""
    if can_manage_province(actor):
        query = select(Agency).where(col(Agency.external).is_(False))
        return list((await session.exec(query.order_by(Agency.abbreviation))).all())
    own = await session.get(Agency, actor.agency_id)
    return [own] if own is not None and can_manage_agency(actor, actor.agency_id) else []


async def department_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """Department id -> name, for showing people's departments."""
    if not ids:
        return {}
    rows = await session.exec(select(Department).where(col(Department.id).in_(sorted(ids))))
    return {d.id: d.name for d in rows.all() if d.id is not None}


def _clean_contact(raw: str | None, what: str, limit: int) -> str | None:
    value = " ".join((raw or "").split())
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters.")
    return value or None


async def update_agency(
    session: AsyncSession, actor: Principal, agency_id: int, change: AgencyChange
) -> Agency:
    """Correct an agency's name and contacts (a province admin). Codes and abbreviation
    stay: documents already issued carry them."""
    if not can_manage_province(actor):
        await deny(session, actor, action="agency.update", subject_type="agency",
                   subject_id=agency_id,
                   message="Only a province-level administrator may change agencies.")
    agency = await session.get(Agency, agency_id)
    if agency is None or agency.external:
        raise NotFoundError("There is no such agency.")
    fields = {
        "name": clean_name(change.name, "Agency name") if change.name is not None else None,
        "address": _clean_contact(change.address, "The address", 500),
        "email": clean_email(change.email),
        "phone": _clean_contact(change.phone, "The phone number", 50),
    }
    changed = {}
    for key, value in fields.items():
        if key == "name" and value is None:
            continue
        if getattr(agency, key) != value:
            changed[key] = value
            setattr(agency, key, value)
    if changed:
        session.add(agency)
        await record_event(session, "agency.updated", actor=actor, subject_type="agency",
                           subject_id=agency_id, details=changed)
    return agency


async def rename_department(
    session: AsyncSession, actor: Principal, department_id: int, name: str
) -> DepartmentInfo:
    """Rename a department (an admin of its agency, or a province admin). Another
    agency's department answers 404, as if missing."""
    department = await session.get(Department, department_id)
    if department is None or not can_manage_agency(actor, department.agency_id):
        hide = department is None or department.agency_id != actor.agency_id
        await deny(session, actor, action="department.rename", subject_type="department",
                   subject_id=department_id, hide=hide,
                   message="There is no such department." if hide else
                   "Only an administrator of this agency may rename its departments.")
    clean = clean_name(name, "Department name")
    if clean != department.name:
        taken = (
            await session.exec(
                select(Department).where(
                    Department.agency_id == department.agency_id, Department.name == clean
                )
            )
        ).first()
        if taken is not None:
            raise InvalidInput(f"The department {clean!r} already exists in this agency.")
        before = department.name
        department.name = clean
        session.add(department)
        await record_event(session, "department.renamed", actor=actor,
                           subject_type="department", subject_id=department_id,
                           details={"before": before, "after": clean})
    return DepartmentInfo(id=department_id, agency_id=department.agency_id, name=clean)
