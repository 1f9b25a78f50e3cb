"""The kinds of notification and what each person gets by default."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DEFAULT_EMAIL", "DEFAULT_PAGE", "FIRST_KINDS", "Kind", "kinds_for"]


class Kind(StrEnum):
    TO_SIGN = "to_sign"  # a leader (or approver): a draft waits for their signature
    TO_ISSUE = "to_issue"  # a clerk: a signed document waits for its number and seal
    ARRIVED = "arrived"  # the recipient agency's clerks: a document arrived
    ASSIGNED = "assigned"  # the assignee: a leader assigned them a document
    REFUSED = "refused"  # the sender's clerks: a recipient refused the document or recall
    RECALLED = "recalled"  # the recipient's clerks: the sender takes a document back
    DELIVERY_FAILED = "delivery_failed"  # the sender's clerks: a package was not delivered
    DUE_SOON = "due_soon"  # the handler: the deadline is within a working day
    OVERDUE = "overdue"  # the handler: the deadline passed
    RETURNED = "returned"  # the drafter: the signer or an approver returned the draft
    #: Auditors: a whole check of the audit trail found it broken (no document).
    AUDIT_BROKEN = "audit_broken"


#: Shown in the page unless the person turns a kind off.
DEFAULT_PAGE: frozenset[str] = frozenset(k.value for k in Kind)
#: Sent by e-mail unless the person chooses otherwise.
DEFAULT_EMAIL: frozenset[str] = frozenset(
    {Kind.ASSIGNED.value, Kind.OVERDUE.value, Kind.RETURNED.value, Kind.AUDIT_BROKEN.value}
)
#: The kinds there were when saved preferences began to record what they were chosen
#: from (revision 0020): what a preferences row saved before it was chosen from. Never
#: changes; a new kind goes into ``Kind`` only.
FIRST_KINDS: frozenset[str] = frozenset({
    "to_sign", "to_issue", "arrived", "assigned", "refused", "recalled", "delivery_failed",
    "due_soon", "overdue", "returned",
})


def kinds_for(is_auditor: bool) -> list[str]:
    """The kinds a person's preferences form offers: the trail's only to auditors."""
    return [k.value for k in Kind if is_auditor or k is not Kind.AUDIT_BROKEN]
