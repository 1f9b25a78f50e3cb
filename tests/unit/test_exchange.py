"""The edXML vocabulary and the transition table, without a database."""

from __future__ import annotations

import pytest

from docflow.core.errors import ConflictError
from docflow.transfers.statuses import (
    INBOX_HIDDEN,
    LEGACY_LABELS,
    SENDER_EMITS,
    STATUS_LABELS,
    TERMINAL,
    TRANSITIONS,
    BusinessType,
    Priority,
    TransferStatus,
    check_transition,
    event_meaning,
    is_allowed,
    priority_for_urgency,
)


def test_codes_priorities_and_business_types_match_the_domain() -> None:
    assert [s.value for s in TransferStatus] == [
        "01", "02", "03", "04", "05", "06", "13", "15", "16",
    ]
    assert set(STATUS_LABELS) == {s.value for s in TransferStatus}
    assert [int(p) for p in Priority] == [0, 1, 2, 3, 4]
    assert {b.name: int(b) for b in BusinessType} == {
        "NEW": 0, "RECALL": 1, "UPDATE": 2, "REPLACE": 3,
    }
    assert priority_for_urgency("hoa_toc") == Priority.HOA_TOC
    assert priority_for_urgency("normal") == Priority.NORMAL


def test_the_handling_path_is_allowed_in_order_only() -> None:
    path = [None, "01", "03", "04", "05", "06"]
    for current, target in zip(path, path[1:], strict=False):
        assert is_allowed(current, target)  # type: ignore[arg-type]
    assert not is_allowed("01", "05")
    # accept → 03; only an assignment (04) follows, then start (05), then completion (06):
    # completing an assigned transfer records 05 first, the table never skips it.
    assert not is_allowed("03", "05") and not is_allowed("03", "06")
    assert not is_allowed("04", "06") and not is_allowed("04", "04")
    assert not is_allowed("03", "03")
    assert not is_allowed(None, "03")
    assert {"02", "15"} == TERMINAL
    assert {"13"} == SENDER_EMITS and {"15"} == INBOX_HIDDEN
    assert all(target in STATUS_LABELS for targets in TRANSITIONS.values() for target in targets)


def test_a_refused_recall_resumes_where_the_handling_stood() -> None:
    assert is_allowed("16", "03", resumed_from="01")
    assert is_allowed("16", "05", resumed_from="04")
    assert not is_allowed("16", "05", resumed_from="01")
    assert is_allowed("16", "13", resumed_from="04")  # the sender may ask again


def test_a_forbidden_or_unknown_transition_names_both_statuses() -> None:
    with pytest.raises(ConflictError, match="01.*cannot move to 06"):
        check_transition("01", "06")
    with pytest.raises(ConflictError, match="not an edXML status code"):
        check_transition("01", "99")


def test_04_and_05_mean_assigned_and_being_handled_as_in_the_exchange() -> None:
    from docflow.exchange.edxml.model import StatusCode as ExchangeStatus

    assert TransferStatus.ASSIGNED == ExchangeStatus.ASSIGNED == "04"
    assert TransferStatus.IN_PROGRESS == ExchangeStatus.IN_PROGRESS == "05"
    assert STATUS_LABELS["04"].english == "assigned for handling"
    assert STATUS_LABELS["05"].english == "being handled"


def test_events_signed_before_the_change_keep_their_old_meaning() -> None:
    assignment = {"user_id": 7, "department_id": None, "instructions": "Xử lý"}
    # Old: 04 at acceptance (no assignment details), 05 the assignment (with them).
    assert event_meaning("04", {}) is LEGACY_LABELS["04"]
    assert event_meaning("05", assignment) is LEGACY_LABELS["05"]
    assert "awaiting assignment" in LEGACY_LABELS["04"].english
    # New: 04 the assignment (with details), 05 the start of handling (without).
    assert event_meaning("04", assignment) is STATUS_LABELS["04"]
    assert event_meaning("05", {}) is STATUS_LABELS["05"]
    assert event_meaning("03", {"incoming_number": 1}) is STATUS_LABELS["03"]
