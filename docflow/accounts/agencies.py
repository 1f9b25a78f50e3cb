"""Agencies, their codes and departments: the directory and its administration."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.inputs import (
    clean_abbreviation,
    clean_agency_code,
    clean_name,
    clean_seal_key_ref,
)
from docflow.accounts.models_agency import Agency, AgencyCode, Department
from docflow.accounts.permissions import (
    Principal,
    can_manage_agency,
    can_manage_province,
    can_read_users_of,
)
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput, NotFoundError

__all__ = [
    "AgencyInfo",
    "DepartmentInfo",
    "agency_by_abbreviation",
    "create_agency",
    "create_department",
    "department_id_for",
    "list_departments",
    "list_directory",
]


@dataclass(frozen=True)
class AgencyInfo:
    """One entry of the directory every signed-in person may read."""

    id: int
    #: The agency's first identifier code (the public contract's ``code``).
    code: str | None
    #: Every identifier code, oldest first (an agency may have several).
    codes: tuple[str, ...]
    name: str
    abbreviation: str
    parent_id: int | None
    parent_abbreviation: str | None


@dataclass(frozen=True)
class DepartmentInfo:
    id: int
    agency_id: int
    name: str


def _clean_seal_certificate(text: str) -> str:
    """One PEM certificate that may sign (digitalSignature or nonRepudiation)."""
    from cryptography.hazmat.primitives import serialization

    from docflow.accounts.cert_checks import load_certificates

    cert = load_certificates(text)[0]
    return cert.public_bytes(serialization.Encoding.PEM).decode()


async def list_directory(session: AsyncSession) -> list[AgencyInfo]:
    """Every agency with its codes, by abbreviation. Public to any signed-in person."""
    agencies = (await session.exec(select(Agency).order_by(Agency.abbreviation))).all()
    codes = (await session.exec(select(AgencyCode).order_by(col(AgencyCode.id)))).all()
    by_agency: dict[int, list[str]] = {}
    for code in codes:
        by_agency.setdefault(code.agency_id, []).append(code.code)
    abbreviations = {a.id: a.abbreviation for a in agencies}
    return [
        AgencyInfo(
            id=a.id,  # type: ignore[arg-type]
            code=next(iter(by_agency.get(a.id, [])), None),  # type: ignore[arg-type]
            codes=tuple(by_agency.get(a.id, [])),  # type: ignore[arg-type]
            name=a.name,
            abbreviation=a.abbreviation,
            parent_id=a.parent_id,
            parent_abbreviation=abbreviations.get(a.parent_id) if a.parent_id else None,
        )
        for a in agencies
    ]


async def agency_by_abbreviation(session: AsyncSession, abbreviation: str) -> Agency:
    """The agency with this abbreviation (any case); ``NotFoundError`` naming it otherwise."""
    value = abbreviation.strip().upper()
    agency = (await session.exec(select(Agency).where(Agency.abbreviation == value))).first()
    if agency is None:
        raise NotFoundError(f"There is no agency with the abbreviation {value[:40]!r}.")
    return agency


@dataclass(frozen=True)
class _NewAgency:
    """The cleaned fields of an agency to add (before any database check)."""

    codes: list[str]
    abbreviation: str
    name: str
    seal_key_ref: str | None
    seal_certificate_pem: str | None


def _clean_new_agency(
    codes: list[str],
    name: str,
    abbreviation: str,
    seal_key_ref: str | None,
    seal_certificate_pem: str | None,
) -> _NewAgency:
    """Clean every field of a new agency; ``InvalidInput`` for the first bad one."""
    if not codes:
        raise InvalidInput("An agency needs at least one identifier code.")
    clean_codes = [clean_agency_code(c) for c in codes]
    if len(set(clean_codes)) != len(clean_codes):
        raise InvalidInput("The same agency code is given twice.")
    abbrev = clean_abbreviation(abbreviation)
    clean = clean_name(name, "Agency name")
    key_ref = clean_seal_key_ref(seal_key_ref) if seal_key_ref else None
    if seal_certificate_pem:
        seal_certificate_pem = _clean_seal_certificate(seal_certificate_pem)
    return _NewAgency(clean_codes, abbrev, clean, key_ref, seal_certificate_pem)


async def _check_agency_free(session: AsyncSession, new: _NewAgency) -> None:
    """``InvalidInput`` when the abbreviation or one of the codes is already used."""
    if (await session.exec(select(Agency).where(Agency.abbreviation == new.abbreviation))).first():
        raise InvalidInput(
            f"The abbreviation {new.abbreviation} is already used by another agency."
        )
    taken = (
        await session.exec(select(AgencyCode.code).where(col(AgencyCode.code).in_(new.codes)))
    ).all()
    if taken:
        raise InvalidInput(f"Agency code {taken[0]} is already used by another agency.")


async def _parent_agency(session: AsyncSession, parent: str | None) -> Agency | None:
    """The parent agency named by ``parent``; ``InvalidInput`` when there is none such."""
    try:
        return await agency_by_abbreviation(session, parent) if parent else None
    except NotFoundError as exc:
        raise InvalidInput(f"Parent: {exc}") from None


async def create_agency(
    session: AsyncSession,
    actor: Principal | None,
    *,
    codes: list[str],
    name: str,
    abbreviation: str,
    parent: str | None = None,
    seal_key_ref: str | None = None,
    seal_certificate_pem: str | None = None,
) -> AgencyInfo:
    """Add an agency with one or more codes. ``actor=None`` is the operator (CLI).

    A person needs to be a province-level admin. Bad or already used codes,
    abbreviations or names raise ``InvalidInput``; nothing is created then.
    """
    if actor is not None and not can_manage_province(actor):
        await deny(
            session,
            actor,
            action="agency.create",
            subject_type="agency",
            subject_id=None,
            message="Only a province-level administrator may add agencies.",
        )
    new = _clean_new_agency(codes, name, abbreviation, seal_key_ref, seal_certificate_pem)
    parent_agency = await _parent_agency(session, parent)
    await _check_agency_free(session, new)
    agency = Agency(
        name=new.name,
        abbreviation=new.abbreviation,
        parent_id=parent_agency.id if parent_agency else None,
        seal_key_ref=new.seal_key_ref,
        seal_certificate_pem=new.seal_certificate_pem,
    )
    session.add(agency)
    await session.flush()
    for code in new.codes:
        session.add(AgencyCode(code=code, agency_id=agency.id))  # type: ignore[arg-type]
    await record_event(
        session,
        "agency.created",
        actor=actor,
        subject_type="agency",
        subject_id=agency.id,
        details={"abbreviation": new.abbreviation, "codes": new.codes, "name": new.name},
    )
    return AgencyInfo(
        id=agency.id,  # type: ignore[arg-type]
        code=new.codes[0],
        codes=tuple(new.codes),
        name=new.name,
        abbreviation=new.abbreviation,
        parent_id=agency.parent_id,
        parent_abbreviation=parent_agency.abbreviation if parent_agency else None,
    )


async def create_department(
    session: AsyncSession, actor: Principal | None, agency_id: int, name: str
) -> DepartmentInfo:
    """Add a department to ``agency_id`` (its admin or a province admin)."""
    if actor is not None and not can_manage_agency(actor, agency_id):
        await deny(
            session,
            actor,
            action="department.create",
            subject_type="agency",
            subject_id=agency_id,
            message="Only an administrator of this agency may add departments to it.",
        )
    clean = clean_name(name, "Department name")
    if await session.get(Agency, agency_id) is None:
        raise NotFoundError("There is no such agency.")
    existing = (
        await session.exec(
            select(Department).where(Department.agency_id == agency_id, Department.name == clean)
        )
    ).first()
    if existing is not None:
        raise InvalidInput(f"The department {clean!r} already exists in this agency.")
    department = Department(agency_id=agency_id, name=clean)
    session.add(department)
    await session.flush()
    await record_event(
        session,
        "department.created",
        actor=actor,
        subject_type="department",
        subject_id=department.id,
        details={"agency_id": agency_id, "name": clean},
    )
    return DepartmentInfo(id=department.id, agency_id=agency_id, name=clean)  # type: ignore[arg-type]


async def list_departments(
    session: AsyncSession, actor: Principal, agency_id: int
) -> list[DepartmentInfo]:
    """Departments of ``agency_id``: for its own people, its admins and auditors."""
    if actor.agency_id != agency_id and not can_read_users_of(actor, agency_id):
        await deny(
            session,
            actor,
            action="department.list",
            subject_type="agency",
            subject_id=agency_id,
            message="You may not see the departments of another agency.",
        )
    rows = (
        await session.exec(
            select(Department).where(Department.agency_id == agency_id).order_by(Department.name)
        )
    ).all()
    return [DepartmentInfo(id=d.id, agency_id=d.agency_id, name=d.name) for d in rows]  # type: ignore[arg-type]


async def department_id_for(session: AsyncSession, agency_id: int, name: str) -> int:
    """The id of the department ``name`` of ``agency_id``, created (and flushed) if missing.

    For the operator's CLI.
    """
    clean = clean_name(name, "Department name")
    found = (
        await session.exec(
            select(Department).where(Department.agency_id == agency_id, Department.name == clean)
        )
    ).first()
    if found is None:
        found = Department(agency_id=agency_id, name=clean)
        session.add(found)
        await session.flush()
    return found.id  # type: ignore[return-value]
