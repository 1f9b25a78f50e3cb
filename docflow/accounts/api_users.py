"""People of an agency, for its administrators and auditors: ``/api/v1/users``."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from docflow.accounts import users
from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.http.bounds import BodyId, QueryId

__all__ = ["USER_HANDLERS"]


@get("/api/v1/users", tags=["users"], summary="People of an agency (default: your own)")
async def list_users(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    agency_id: QueryId = None,
) -> list[users.UserInfo]:
    return await users.list_users(db_session, principal, agency_id)


@dataclass(frozen=True)
class NewUser:
    username: str
    full_name: str
    password: str
    roles: list[str]
    #: Default: the administrator's own agency.
    agency_id: BodyId | None = None
    department_id: BodyId | None = None
    province_scope: bool = False
    email: str | None = None


@post("/api/v1/users", tags=["users"], summary="Add a person (admin of the agency)")
async def create_user(
    data: JSONBody[NewUser],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> users.UserInfo:
    return await users.create_user(
        db_session,
        principal,
        username=data.username,
        full_name=data.full_name,
        agency_id=data.agency_id if data.agency_id is not None else principal.agency_id,
        roles=data.roles,
        password=data.password,
        department_id=data.department_id,
        province_scope=data.province_scope,
        email=data.email,
    )


@get("/api/v1/users/{user_id:int}", tags=["users"], summary="One person")
async def get_user(
    user_id: FromPath[int],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> users.UserInfo:
    return await users.get_user(db_session, principal, user_id)


USER_HANDLERS = [list_users, create_user, get_user]
