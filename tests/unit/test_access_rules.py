"""The access rules of docflow.accounts.permissions, without a server or a database."""

from __future__ import annotations

import pytest

from docflow.accounts.models_user import Role
from docflow.accounts.permissions import (
    Principal,
    acts_for,
    can_audit_agency,
    can_change,
    can_manage_agency,
    can_manage_province,
    can_read_agency_document,
    can_read_confidential,
    can_read_transfer,
    can_read_users_of,
    readable_agency_ids,
)

OWN, OTHER = 1, 2


def person(*roles: Role, agency: int = OWN, province: bool = False, user_id: int = 10) -> Principal:
    return Principal(
        user_id=user_id,
        username=f"u{user_id}",
        agency_id=agency,
        department_id=None,
        roles=frozenset(roles),
        province_scope=province,
    )


ALL_ROLES = list(Role)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_people_read_their_own_agencys_documents_and_no_one_elses(role: Role) -> None:
    p = person(role)
    assert can_read_agency_document(p, OWN)
    assert not can_read_agency_document(p, OTHER)


def test_a_province_auditor_reads_every_agencys_documents() -> None:
    assert can_read_agency_document(person(Role.AUDITOR, province=True), OTHER)
    assert not can_read_agency_document(person(Role.ADMIN, province=True), OTHER)


def test_transfers_are_read_by_sender_and_recipient_only() -> None:
    assert can_read_transfer(
        person(Role.CLERK, agency=OTHER), sender_agency_id=OWN, recipient_agency_id=OTHER
    )
    assert can_read_transfer(person(Role.CLERK, agency=OWN), OWN, OTHER)
    assert not can_read_transfer(person(Role.CLERK, agency=3), OWN, OTHER)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_confidential_documents_only_for_the_people_named(role: Role) -> None:
    named = person(role, user_id=10)
    unnamed = person(role, user_id=11, province=True)
    assert can_read_confidential(named, [10, 12])
    assert not can_read_confidential(unnamed, [10, 12])


def test_an_auditor_reads_but_never_changes() -> None:
    auditor = person(Role.AUDITOR)
    assert auditor.is_read_only
    assert not can_change(auditor, OWN)
    assert not can_change(auditor, OWN, needs=[Role.AUDITOR])
    assert not can_change(person(Role.AUDITOR, province=True), OWN)
    assert can_audit_agency(auditor, OWN) and not can_audit_agency(auditor, OTHER)


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.SPECIALIST, Role.ADMIN])
def test_nobody_acts_for_another_agency(role: Role) -> None:
    for p in (person(role), person(role, province=True)):
        assert acts_for(p, OWN) and not acts_for(p, OTHER)
        assert can_change(p, OWN)
        assert not can_change(p, OTHER)


def test_changes_need_one_of_the_named_roles() -> None:
    assert can_change(person(Role.CLERK), OWN, needs=[Role.CLERK])
    assert not can_change(person(Role.SPECIALIST), OWN, needs=[Role.CLERK])
    assert can_change(person(Role.SPECIALIST, Role.CLERK), OWN, needs=[Role.CLERK])


def test_an_admin_manages_only_their_own_agency_unless_province_level() -> None:
    admin = person(Role.ADMIN)
    assert can_manage_agency(admin, OWN) and not can_manage_agency(admin, OTHER)
    assert not can_manage_province(admin)
    province_admin = person(Role.ADMIN, province=True)
    assert can_manage_agency(province_admin, OTHER) and can_manage_province(province_admin)
    # province scope without the admin role grants nothing to manage
    assert not can_manage_agency(person(Role.CLERK, province=True), OWN)


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.SPECIALIST])
def test_only_admins_and_auditors_see_the_people_of_an_agency(role: Role) -> None:
    assert not can_read_users_of(person(role), OWN)
    assert can_read_users_of(person(Role.ADMIN), OWN)
    assert can_read_users_of(person(Role.AUDITOR), OWN)
    assert not can_read_users_of(person(Role.AUDITOR), OTHER)
    assert can_read_users_of(person(Role.AUDITOR, province=True), OTHER)


def test_readable_agencies_for_listings() -> None:
    assert readable_agency_ids(person(Role.AUDITOR), Role.AUDITOR) == {OWN}
    assert readable_agency_ids(person(Role.AUDITOR, province=True), Role.AUDITOR) is None
    assert readable_agency_ids(person(Role.CLERK, province=True), Role.CLERK) == {OWN}
    assert readable_agency_ids(person(Role.CLERK), Role.AUDITOR) == frozenset()


def test_principal_is_frozen() -> None:
    p = person(Role.CLERK)
    with pytest.raises(AttributeError):
        p.agency_id = OTHER  # type: ignore[misc]
