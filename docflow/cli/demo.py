"""Demo data for the embedded default: agencies of Hậu Giang province and their users.

``seed_demo`` is idempotent: it adds what is missing and reports what already
existed. Demo users are ``<abbrev>.<role>`` (lower case) with the demo password.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select

from docflow.accounts.models_agency import Agency, AgencyCode, Department
from docflow.accounts.models_user import Role, User, UserRole
from docflow.accounts.passwords import hash_password
from docflow.core.db import AsyncSession

__all__ = [
    "DEMO_AGENCIES",
    "DemoAgency",
    "SeedReport",
    "demo_subset",
    "demo_username",
    "seed_demo",
]


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



def demo_subset(only: str | None) -> tuple[DemoAgency, ...]:
    """The demo agencies named in ``only`` (abbreviations separated by commas, any case),
    in seeding order; all of them for None. A second deployment on one machine seeds the
    agencies the first one leaves out, so each has its own (with its own dev seal).
    ``InvalidInput`` names an unknown abbreviation."""
    from docflow.core.errors import InvalidInput

    if only is None:
        return DEMO_AGENCIES
    wanted = {part.strip().upper() for part in only.split(",") if part.strip()}
    known = {demo.abbreviation for demo in DEMO_AGENCIES}
    if not wanted or not wanted <= known:
        unknown = ", ".join(sorted(wanted - known)) or "(none given)"
        raise InvalidInput(
            f"--agencies names no demo agency {unknown}; choose from {', '.join(known_order())}."
        )
    return tuple(demo for demo in DEMO_AGENCIES if demo.abbreviation in wanted)


def known_order() -> list[str]:
    return [demo.abbreviation for demo in DEMO_AGENCIES]


#: Vietnamese titles used in demo users' full names.
ROLE_TITLES = {
    Role.CLERK: "Văn thư",
    Role.LEADER: "Lãnh đạo",
    Role.SPECIALIST: "Chuyên viên",
    Role.AUDITOR: "Kiểm soát viên",
    Role.ADMIN: "Quản trị viên",
}

DEMO_DEPARTMENT = "Văn phòng"

#: Province-level accounts (on the province's People's Committee, ``UBND``): their reach
#: spans every agency. (username, role, full name)
PROVINCE_USERS: tuple[tuple[str, Role, str], ...] = (
    ("province.admin", Role.ADMIN, "Quản trị viên cấp tỉnh"),
    ("province.auditor", Role.AUDITOR, "Kiểm soát viên cấp tỉnh"),
)
PROVINCE_AGENCY = "UBND"


def _dev_person(abbreviation: str, role: Role) -> tuple[str, str | None] | None:
    """(full name, unit) of the dev PKI certificate for this agency's leader/specialist."""
    if role not in (Role.LEADER, Role.SPECIALIST):
        return None
    from asn1crypto import pem
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    from docflow.devpki import dev_signer

    try:
        _key, cert_pem, _chain = dev_signer(f"{abbreviation.lower()}.{role.value}")
    except LookupError:
        return None
    cert = x509.load_der_x509_certificate(pem.unarmor(cert_pem)[2])
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    ou = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    if not cn:
        return None
    return str(cn[0].value), (str(ou[0].value) if ou else None)


def _dev_seal(abbreviation: str) -> tuple[str | None, str | None]:
    """(seal certificate PEM, key reference) of the agency in the dev PKI."""
    from docflow.devpki import dev_signer

    try:
        _key, cert_pem, _chain = dev_signer(abbreviation)
    except LookupError:
        return None, None
    return cert_pem.decode(), f"devpki:{abbreviation.lower()}"


def demo_username(abbreviation: str, role: Role) -> str:
    return f"{abbreviation.lower()}.{role.value}"


async def _department(session: AsyncSession, agency_id: int, name: str) -> Department:
    found = (
        await session.exec(
            select(Department).where(Department.agency_id == agency_id, Department.name == name)
        )
    ).first()
    if found is None:
        found = Department(agency_id=agency_id, name=name)
        session.add(found)
        await session.flush()
    return found


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


def _row_id(row: Agency | Department | User) -> int:
    """The id of a row already flushed (or loaded): the database has assigned it."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id: flush it first")
    return row.id


async def _seed_agency(
    session: AsyncSession, demo: DemoAgency, parent: Agency | None, report: SeedReport
) -> Agency:
    """The demo agency (created with its dev seal if missing)."""
    agency = (
        await session.exec(select(Agency).where(Agency.abbreviation == demo.abbreviation))
    ).first()
    if agency is not None:
        report.existing.append(f"agency {demo.abbreviation}")
        return agency
    seal_pem, seal_ref = _dev_seal(demo.abbreviation)
    agency = Agency(
        name=demo.name,
        abbreviation=demo.abbreviation,
        parent_id=parent.id if parent else None,
        seal_certificate_pem=seal_pem,
        seal_key_ref=seal_ref,
    )
    session.add(agency)
    await session.flush()
    report.created.append(f"agency {demo.abbreviation} ({demo.code}) {demo.name}")
    return agency


async def _seed_agency_code(session: AsyncSession, demo: DemoAgency, agency_id: int) -> None:
    code = (await session.exec(select(AgencyCode).where(AgencyCode.code == demo.code))).first()
    if code is None:
        session.add(AgencyCode(code=demo.code, agency_id=agency_id))


async def _add_user(session: AsyncSession, user: User, role: Role) -> None:
    session.add(user)
    await session.flush()
    session.add(UserRole(user_id=_row_id(user), role=role.value))


async def _user_exists(session: AsyncSession, username: str) -> bool:
    found = (await session.exec(select(User).where(User.username == username))).first()
    return found is not None


async def _seed_agency_users(
    session: AsyncSession,
    demo: DemoAgency,
    agency_id: int,
    department: Department,
    password_hash: str,
    report: SeedReport,
) -> None:
    """One user per role (leaders and specialists named as in their dev certificates)."""
    for role in Role:
        username = demo_username(demo.abbreviation, role)
        report.usernames.append(username)
        if await _user_exists(session, username):
            report.existing.append(f"user {username}")
            continue
        person = _dev_person(demo.abbreviation, role)
        full_name = person[0] if person else f"{ROLE_TITLES[role]} {demo.abbreviation}"
        unit = (
            await _department(session, agency_id, person[1])
            if person and person[1]
            else department
        )
        user = User(
            username=username,
            full_name=full_name,
            agency_id=agency_id,
            department_id=unit.id,
            password_hash=password_hash,
        )
        await _add_user(session, user, role)
        report.created.append(f"user {username} ({full_name})")


async def _seed_province_users(
    session: AsyncSession, province_id: int, password_hash: str, report: SeedReport
) -> None:
    """The province-level admin and auditor, on the province's People's Committee."""
    for username, role, full_name in PROVINCE_USERS:
        report.usernames.append(username)
        if await _user_exists(session, username):
            report.existing.append(f"user {username}")
            continue
        user = User(
            username=username,
            full_name=full_name,
            agency_id=province_id,
            password_hash=password_hash,
            province_scope=True,
        )
        await _add_user(session, user, role)
        report.created.append(f"user {username} ({full_name}, province-level)")


async def seed_demo(
    session: AsyncSession,
    password: str,
    agencies: tuple[DemoAgency, ...] = DEMO_AGENCIES,
) -> SeedReport:
    """Add the demo agencies (with their dev seal), codes, departments, one user per role
    (leaders and specialists named as in their dev certificates) and the province-level
    admin and auditor. The caller commits."""
    report = SeedReport()
    # One hash for all demo users: they share a publicly known password anyway, and
    # argon2 takes ~0.1 s per hash by design.
    password_hash = hash_password(password)
    by_abbreviation: dict[str, Agency] = {}
    for demo in agencies:
        parent = by_abbreviation.get(demo.parent) if demo.parent else None
        agency = await _seed_agency(session, demo, parent, report)
        by_abbreviation[demo.abbreviation] = agency
        agency_id = _row_id(agency)
        await _seed_agency_code(session, demo, agency_id)
        department = await _department(session, agency_id, DEMO_DEPARTMENT)
        await _seed_agency_users(session, demo, agency_id, department, password_hash, report)
    province = by_abbreviation.get(PROVINCE_AGENCY)
    if province is not None:
        await _seed_province_users(session, _row_id(province), password_hash, report)
    return report
