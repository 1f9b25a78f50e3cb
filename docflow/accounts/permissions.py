"""Who may do what: the access rules as pure functions over a ``Principal``.

No database, no framework: services call these and turn a ``False`` into
``PermissionDenied`` (403) or ``NotFoundError`` (404, when even saying "it exists"
would leak something of another agency), recording ``access.denied``.

The rules:
- a person reads the documents of their own agency, and transfers addressed to it;
- a confidential document is read only by its readers (``can_read_as_issuer``,
  ``can_read_as_recipient``): in the issuing agency the drafter, approvers, signer,
  clerks and named readers; in a receiving agency its clerks, leaders and assignees;
  auditors of either agency and province auditors;
- an auditor reads but never changes anything;
- nobody acts for another agency;
- an admin manages only their own agency, unless province-level;
- a province-level auditor reads (audits) every agency;
- an agency's operations figures (counts, names of people and agencies, never a
  document's content) are seen by its leaders and clerks; the province's admins and
  auditors see every agency's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from docflow.accounts.models_user import Role

__all__ = [
    "DocumentFacts",
    "Principal",
    "Receipt",
    "acts_for",
    "can_audit_agency",
    "can_change",
    "can_manage_agency",
    "can_manage_province",
    "can_read_as_issuer",
    "can_read_as_recipient",
    "can_read_agency_document",
    "can_read_confidential",
    "can_read_transfer",
    "can_read_users_of",
    "dashboard_reach",
    "readable_agency_ids",
]


@dataclass(frozen=True)
class Principal:
    """The signed-in person a request acts for."""

    user_id: int
    username: str
    agency_id: int
    department_id: int | None
    #: Every role the person holds.
    roles: frozenset[Role]
    #: Province-level: an admin or auditor whose reach spans every agency.
    province_scope: bool = False

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_read_only(self) -> bool:
        """Holds no role that changes anything (an auditor only, or nothing)."""
        return not (self.roles - {Role.AUDITOR})


def acts_for(p: Principal, agency_id: int) -> bool:
    """Whether ``p`` may act in the name of ``agency_id``: only for their own agency."""
    return p.agency_id == agency_id


def can_change(p: Principal, agency_id: int, *, needs: Iterable[Role] = ()) -> bool:
    """Whether ``p`` may change something of ``agency_id`` holding one of ``needs``.

    Auditors never change anything, even with another role's name passed in ``needs``;
    nobody changes anything of another agency.
    """
    if p.is_read_only or not acts_for(p, agency_id):
        return False
    wanted = set(needs) - {Role.AUDITOR}
    return not wanted or bool(p.roles & wanted)


def can_read_agency_document(p: Principal, issuing_agency_id: int) -> bool:
    """A (non-confidential) document is read by people of the agency that made it."""
    return p.agency_id == issuing_agency_id or can_audit_agency(p, issuing_agency_id)


def can_read_transfer(p: Principal, sender_agency_id: int, recipient_agency_id: int) -> bool:
    """A transfer is read by its sender's and its recipient's people."""
    return p.agency_id in (sender_agency_id, recipient_agency_id) or can_audit_agency(
        p, recipient_agency_id
    )


@dataclass(frozen=True)
class DocumentFacts:
    """What the read rule needs to know of a document."""

    agency_id: int
    confidential: bool
    drafter_id: int
    signer_id: int
    approver_ids: tuple[int, ...] = ()
    reader_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Receipt:
    """What the read rule needs to know of one recipient's transfer of a document."""

    recipient_agency_id: int
    assigned_user_id: int | None = None
    assigned_department_id: int | None = None


def can_read_as_issuer(p: Principal, d: DocumentFacts) -> bool:
    """The issuing agency's side: every version, attachment, report and the evidence.

    Its auditors and province auditors always; otherwise people of that agency — for a
    confidential document only the drafter, approvers, signer, named readers (who are of
    that agency) and its clerks, who number and seal it."""
    if can_audit_agency(p, d.agency_id):
        return True
    if p.agency_id != d.agency_id:
        return False
    if not d.confidential:
        return True
    named = {d.drafter_id, d.signer_id, *d.approver_ids, *d.reader_ids}
    return p.user_id in named or p.has(Role.CLERK)


def can_read_as_recipient(p: Principal, d: DocumentFacts, r: Receipt) -> bool:
    """A receiving agency's side: the file it received (stamped once accepted) and the
    verification made on arrival.

    Its auditors and province auditors always; otherwise people of that agency — for a
    confidential document only its clerks, its leaders and the person (or members of the
    department) it is assigned to."""
    if can_audit_agency(p, r.recipient_agency_id):
        return True
    if p.agency_id != r.recipient_agency_id:
        return False
    if not d.confidential or p.has(Role.CLERK) or p.has(Role.LEADER):
        return True
    if r.assigned_user_id is not None and r.assigned_user_id == p.user_id:
        return True
    return r.assigned_department_id is not None and p.department_id == r.assigned_department_id


def can_read_confidential(p: Principal, named_user_ids: Iterable[int]) -> bool:
    """A confidential document is read only by the people named on it (no role overrides)."""
    return p.user_id in set(named_user_ids)


def can_manage_agency(p: Principal, agency_id: int) -> bool:
    """Users, departments, certificates of ``agency_id``: its admin or a province admin."""
    if not p.has(Role.ADMIN):
        return False
    return p.province_scope or p.agency_id == agency_id


def can_manage_province(p: Principal) -> bool:
    """Creating agencies: a province-level admin only."""
    return p.has(Role.ADMIN) and p.province_scope


def can_audit_agency(p: Principal, agency_id: int) -> bool:
    """Reading the trail and records of ``agency_id``: its auditor or a province auditor."""
    if not p.has(Role.AUDITOR):
        return False
    return p.province_scope or p.agency_id == agency_id


def can_read_users_of(p: Principal, agency_id: int) -> bool:
    """The user list of ``agency_id``: those who manage or audit it."""
    return can_manage_agency(p, agency_id) or can_audit_agency(p, agency_id)


def readable_agency_ids(p: Principal, role: Role) -> frozenset[int] | None:
    """Agencies whose records ``p`` reaches through ``role``; None means every agency."""
    if not p.has(role):
        return frozenset()
    if p.province_scope and role in (Role.ADMIN, Role.AUDITOR):
        return None
    return frozenset({p.agency_id})


def dashboard_reach(p: Principal) -> frozenset[int] | None:
    """Agencies whose operations figures ``p`` sees; None means every agency.

    Leaders assign and follow up incoming documents and clerks receive, check, register
    and dispatch them (Decree 30/2020): both see their own agency's figures. A
    province-level admin or auditor sees every agency's. Anyone else sees none (empty).
    """
    if p.province_scope and (p.has(Role.ADMIN) or p.has(Role.AUDITOR)):
        return None
    if p.has(Role.LEADER) or p.has(Role.CLERK):
        return frozenset({p.agency_id})
    return frozenset()
