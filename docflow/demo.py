"""Demo data for the embedded default: agencies of Hậu Giang province and their users.

``seed_demo`` is idempotent: it adds what is missing and reports what already
existed. Demo users are ``<abbrev>.<role>`` (lower case) with the demo password.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select

from docflow.db import AsyncSession
from docflow.models import Agency, AgencyCode, Department, Role, User, UserRole
from docflow.passwords import hash_password

__all__ = ["DEMO_AGENCIES", "DemoAgency", "SeedReport", "demo_username", "seed_demo"]


@dataclass(frozen=True)
class DemoAgency:
    abbreviation: str
    name: str
    code: str
    #: Abbreviation of the parent agency, None for the province's People's Committee.
    parent: str | None = None


#: Parents come before their children.
DEMO_AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency("UBND", "Ủy ban nhân dân tỉnh Hậu Giang", "000.00.00.H30"),
    DemoAgency("VP", "Văn phòng Ủy ban nhân dân tỉnh Hậu Giang", "000.01.00.H30", "UBND"),
    DemoAgency("STTTT", "Sở Thông tin và Truyền thông tỉnh Hậu Giang", "000.02.00.H30", "UBND"),
    DemoAgency("STC", "Sở Tài chính tỉnh Hậu Giang", "000.03.00.H30", "UBND"),
    DemoAgency("UBNDVT", "Ủy ban nhân dân thành phố Vị Thanh", "000.04.00.H30", "UBND"),
    DemoAgency("UBNDCT", "Ủy ban nhân dân huyện Châu Thành", "000.05.00.H30", "UBND"),
)

#: Vietnamese titles used in demo users' full names.
ROLE_TITLES = {
    Role.CLERK: "Văn thư",
    Role.LEADER: "Lãnh đạo",
    Role.SPECIALIST: "Chuyên viên",
    Role.AUDITOR: "Kiểm soát viên",
    Role.ADMIN: "Quản trị viên",
}

DEMO_DEPARTMENT = "Văn phòng"


def demo_username(abbreviation: str, role: Role) -> str:
    return f"{abbreviation.lower()}.{role.value}"


@dataclass
class SeedReport:
    """What ``seed_demo`` created and what was already there (readable lines)."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    #: Every demo username, in seeding order.
    usernames: list[str] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return bool(self.created)


async def seed_demo(
    session: AsyncSession,
    password: str,
    agencies: tuple[DemoAgency, ...] = DEMO_AGENCIES,
) -> SeedReport:
    """Add the demo agencies, their codes, a department and one user per role; commit."""
    report = SeedReport()
    # One hash for all demo users: they share a publicly known password anyway, and
    # argon2 takes ~0.1 s per hash by design.
    password_hash = hash_password(password)
    by_abbreviation: dict[str, Agency] = {}
    for demo in agencies:
        agency = (
            await session.exec(select(Agency).where(Agency.abbreviation == demo.abbreviation))
        ).first()
        if agency is None:
            parent = by_abbreviation.get(demo.parent) if demo.parent else None
            agency = Agency(
                name=demo.name,
                abbreviation=demo.abbreviation,
                parent_id=parent.id if parent else None,
            )
            session.add(agency)
            await session.flush()
            report.created.append(f"agency {demo.abbreviation} ({demo.code}) {demo.name}")
        else:
            report.existing.append(f"agency {demo.abbreviation}")
        by_abbreviation[demo.abbreviation] = agency

        code = (await session.exec(select(AgencyCode).where(AgencyCode.code == demo.code))).first()
        if code is None:
            session.add(AgencyCode(code=demo.code, agency_id=agency.id))  # type: ignore[arg-type]

        department = (
            await session.exec(
                select(Department).where(
                    Department.agency_id == agency.id, Department.name == DEMO_DEPARTMENT
                )
            )
        ).first()
        if department is None:
            department = Department(agency_id=agency.id, name=DEMO_DEPARTMENT)  # type: ignore[arg-type]
            session.add(department)
            await session.flush()

        for role in Role:
            username = demo_username(demo.abbreviation, role)
            report.usernames.append(username)
            user = (await session.exec(select(User).where(User.username == username))).first()
            if user is not None:
                report.existing.append(f"user {username}")
                continue
            user = User(
                username=username,
                full_name=f"{ROLE_TITLES[role]} {demo.abbreviation}",
                agency_id=agency.id,  # type: ignore[arg-type]
                department_id=department.id,
                password_hash=password_hash,
            )
            session.add(user)
            await session.flush()
            session.add(UserRole(user_id=user.id, role=role.value))  # type: ignore[arg-type]
            report.created.append(f"user {username}")
    await session.commit()
    return report
