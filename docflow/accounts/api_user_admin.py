"""Administering people, agencies and certificates over the API: the same services the
administration pages call (``user_admin``, ``agency_admin``, ``cert_admin``), so both
check the same permissions and record the same audit events.

``/api/v1/users/{id}/roles|deactivate|reactivate|password-reset|certificates``,
``/api/v1/certificates/{id}/revoke``, ``/api/v1/me/certificates/{id}/device-name``,
``/api/v1/agencies/{id}`` (correct) and ``/api/v1/departments/{id}`` (rename).
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from docflow.accounts import agency_admin, cert_admin, user_admin
from docflow.accounts.agencies import DepartmentInfo
from docflow.accounts.certificates import CertificateInfo
from docflow.accounts.permissions import Principal
from docflow.accounts.users import UserInfo
from docflow.core.db import AsyncSession
from docflow.core.runtime import Runtime

__all__ = ["USER_ADMIN_HANDLERS"]


@dataclass(frozen=True)
class Roles:
    roles: list[str]


@dataclass(frozen=True)
class TemporaryPassword:
    #: Shown once: hand it to the person, who should change it after signing in.
    temporary_password: str


@dataclass(frozen=True)
class DeviceName:
    #: What the holder calls the device that keeps the key ('' clears it).
    device_name: str


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class AgencyDetails:
    """Left out: unchanged name; a contact left out or empty is cleared."""

    name: str | None = None
    address: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class AgencyDetailsOut:
    id: int
    name: str
    abbreviation: str
    address: str | None
    email: str | None
    phone: str | None


@post("/api/v1/users/{user_id:int}/roles", tags=["users"], status_code=200,
      summary="Replace a person's roles")
async def set_roles(
    user_id: FromPath[int], data: JSONBody[Roles], principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> UserInfo:
    return await user_admin.set_roles(db_session, principal, user_id, data.roles)


@post("/api/v1/users/{user_id:int}/deactivate", tags=["users"], status_code=200,
      summary="Deactivate a person (their sessions end, sign-in refused)")
async def deactivate(
    user_id: FromPath[int], principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> UserInfo:
    return (await user_admin.set_active(db_session, principal, user_id, active=False))[0]


@post("/api/v1/users/{user_id:int}/reactivate", tags=["users"], status_code=200,
      summary="Reactivate a person")
async def reactivate(
    user_id: FromPath[int], principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> UserInfo:
    return (await user_admin.set_active(db_session, principal, user_id, active=True))[0]


@post("/api/v1/users/{user_id:int}/password-reset", tags=["users"], status_code=200,
      summary="Give a person a temporary password (shown once; their sessions end)")
async def reset_password(
    user_id: FromPath[int], principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> TemporaryPassword:
    return TemporaryPassword(await user_admin.reset_password(db_session, principal, user_id))


def _crls(runtime: Runtime) -> list[bytes]:
    return list(runtime.signing.trust.revocation_crls())


@get("/api/v1/users/{user_id:int}/certificates", tags=["certificates"],
     summary="A person's certificates (the person, an admin of their agency)")
async def certificates_of(
    user_id: FromPath[int], principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime],
) -> list[CertificateInfo]:
    crls = await anyio.to_thread.run_sync(_crls, runtime)
    return await cert_admin.certificates_of(db_session, principal, user_id, crls=crls)


@post("/api/v1/certificates/{certificate_id:int}/revoke", tags=["certificates"],
      status_code=200, summary="Revoke a certificate in docflow (holder or admin)")
async def revoke_certificate(
    certificate_id: FromPath[int], principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> CertificateInfo:
    return await cert_admin.revoke_certificate(db_session, principal, certificate_id)


@post("/api/v1/me/certificates/{certificate_id:int}/device-name", tags=["certificates"],
      status_code=200, summary="Name the device that keeps one of your keys")
async def name_certificate(
    certificate_id: FromPath[int], data: JSONBody[DeviceName],
    principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession],
) -> CertificateInfo:
    return await cert_admin.name_certificate(db_session, principal, certificate_id,
                                             data.device_name)


@post("/api/v1/agencies/{agency_id:int}", tags=["agencies"], status_code=200,
      summary="Correct an agency's name and contacts (province admin)")
async def update_agency(
    agency_id: FromPath[int], data: JSONBody[AgencyDetails],
    principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession],
) -> AgencyDetailsOut:
    change = agency_admin.AgencyChange(data.name, data.address, data.email, data.phone)
    agency = await agency_admin.update_agency(db_session, principal, agency_id, change)
    return AgencyDetailsOut(agency_id, agency.name, agency.abbreviation, agency.address,
                            agency.email, agency.phone)


@post("/api/v1/departments/{department_id:int}", tags=["agencies"], status_code=200,
      summary="Rename a department (admin of its agency)")
async def rename_department(
    department_id: FromPath[int], data: JSONBody[Name],
    principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession],
) -> DepartmentInfo:
    return await agency_admin.rename_department(db_session, principal, department_id,
                                                data.name)


USER_ADMIN_HANDLERS = [set_roles, deactivate, reactivate, reset_password, certificates_of,
                       revoke_certificate, name_certificate, update_agency, rename_department]
