"""The edXML vocabulary of exchange between agencies' systems, as data.

Status codes, priorities and business types are the ones of QCVN 102:2016 (2022
amendment) as real systems send them; implementations differ in details, so they live
here as data and nowhere else. ``TRANSITIONS`` is the one table of which
status may follow which: the routing services and a future edXML gateway both check it
through ``check_transition``; neither hard-codes a rule of its own.

Meaning of 04 and 05 changed on 2026-11-30 (migration 0009): they used to mean
"awaiting assignment" (recorded right after 03 on acceptance) and "assigned"; they now
mean what real systems send: 04 the leader assigned it, 05 the assignee is handling it.
Migration 0009 moved the current state of existing transfers (04 → 03, 05 → 04); signed
status events and audit events are evidence and keep the codes they were signed with.
``event_meaning`` tells such an old event by its shape and labels it as it was meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any

from docflow.core.errors import ConflictError

__all__ = [
    "BusinessType",
    "INBOX_HIDDEN",
    "LEGACY_LABELS",
    "RECIPIENT_EMITS",
    "SENDER_EMITS",
    "SENDING",
    "STATUS_LABELS",
    "TERMINAL",
    "TRANSITIONS",
    "Priority",
    "StatusInfo",
    "TransferStatus",
    "check_transition",
    "event_meaning",
    "is_allowed",
    "label_of",
    "priority_for_urgency",
]


class TransferStatus(StrEnum):
    """edXML status codes (two-digit strings) a receiver sends back about a document."""

    ARRIVED = "01"  # đã đến
    REJECTED = "02"  # từ chối tiếp nhận
    ACCEPTED = "03"  # đã tiếp nhận, vào sổ văn bản đến
    ASSIGNED = "04"  # lãnh đạo đã phân công xử lý
    IN_PROGRESS = "05"  # đang xử lý
    COMPLETED = "06"  # đã hoàn thành xử lý
    RECALL_REQUESTED = "13"  # yêu cầu thu hồi
    RECALL_ACCEPTED = "15"  # đồng ý thu hồi / cập nhật
    RECALL_REFUSED = "16"  # từ chối thu hồi / cập nhật


class Priority(IntEnum):
    """edXML priority: 0 normal, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc with a set time."""

    NORMAL = 0
    KHAN = 1
    THUONG_KHAN = 2
    HOA_TOC = 3
    HOA_TOC_TIMED = 4


class BusinessType(IntEnum):
    """edXML business type of a package."""

    NEW = 0
    RECALL = 1
    UPDATE = 2
    REPLACE = 3


@dataclass(frozen=True)
class StatusInfo:
    code: str
    vietnamese: str
    english: str


STATUS_LABELS: MappingProxyType[str, StatusInfo] = MappingProxyType(
    {
        "01": StatusInfo("01", "Đã đến", "arrived"),
        "02": StatusInfo("02", "Từ chối tiếp nhận", "rejected"),
        "03": StatusInfo("03", "Đã tiếp nhận, vào sổ", "accepted and registered"),
        "04": StatusInfo("04", "Lãnh đạo đã phân công xử lý", "assigned for handling"),
        "05": StatusInfo("05", "Đang xử lý", "being handled"),
        "06": StatusInfo("06", "Đã hoàn thành xử lý", "handling finished"),
        "13": StatusInfo("13", "Yêu cầu thu hồi", "recall requested"),
        "15": StatusInfo("15", "Đồng ý thu hồi/cập nhật", "recall/update accepted"),
        "16": StatusInfo("16", "Từ chối thu hồi/cập nhật", "recall/update refused"),
    }
)

#: The sender's transfer to an agency of another system before that system reported
#: anything (status ``""``; its first report, 01, follows ``None`` in the table).
SENDING = StatusInfo("", "Đang gửi, chưa có báo cáo", "sending, no report yet")


def label_of(status: str) -> StatusInfo:
    """The label of a transfer's current status, ``""`` (sending) included."""
    return STATUS_LABELS[status] if status else SENDING


#: The meaning 04 and 05 had before 2026-11-30 (migration 0009), for events signed then.
LEGACY_LABELS: MappingProxyType[str, StatusInfo] = MappingProxyType(
    {
        "04": StatusInfo("04", "Chờ phân công (mã cũ)", "awaiting assignment (old code)"),
        "05": StatusInfo("05", "Đã phân công (mã cũ)", "assigned (old code)"),
    }
)
#: The key every assignment event's private details carry (old 05, new 04).
_ASSIGNMENT_KEY = "user_id"


def event_meaning(status: str, private: Mapping[str, Any] | None) -> StatusInfo:
    """The label of a recorded status event, old-meaning 04/05 events included.

    Before the change an acceptance recorded 04 without assignment details and an
    assignment recorded 05 with them; now an assignment records 04 with them and the
    start of handling 05 without. The details tell the two apart; no row is rewritten.
    """
    assignment = private is not None and _ASSIGNMENT_KEY in private
    if (status == "04" and not assignment) or (status == "05" and assignment):
        return LEGACY_LABELS[status]
    return STATUS_LABELS[status]


S = TransferStatus
#: Which status may follow which (``None``: a transfer that has no status yet).
#: After a refused recall (16) the handling goes on from where it stood before the
#: recall: ``check_transition`` is given that status as ``resumed_from``.
TRANSITIONS: MappingProxyType[str | None, frozenset[str]] = MappingProxyType(
    {
        None: frozenset({S.ARRIVED}),
        S.ARRIVED: frozenset({S.REJECTED, S.ACCEPTED, S.RECALL_REQUESTED}),
        S.REJECTED: frozenset(),
        S.ACCEPTED: frozenset({S.ASSIGNED, S.RECALL_REQUESTED}),
        # Completing an assigned transfer is the assignee's first work: 05 is recorded
        # first (``transfers.complete_transfer``), so 04 never jumps to 06.
        S.ASSIGNED: frozenset({S.IN_PROGRESS, S.RECALL_REQUESTED}),
        S.IN_PROGRESS: frozenset({S.COMPLETED, S.RECALL_REQUESTED}),
        S.COMPLETED: frozenset({S.RECALL_REQUESTED}),
        S.RECALL_REQUESTED: frozenset({S.RECALL_ACCEPTED, S.RECALL_REFUSED}),
        S.RECALL_ACCEPTED: frozenset(),
        S.RECALL_REFUSED: frozenset({S.RECALL_REQUESTED}),
    }
)
#: Statuses nothing follows.
TERMINAL = frozenset(k for k, v in TRANSITIONS.items() if k is not None and not v)
#: Statuses the sending agency emits; every other one comes from the recipient.
SENDER_EMITS = frozenset({S.RECALL_REQUESTED})
RECIPIENT_EMITS = frozenset(set(S) - SENDER_EMITS)
#: A transfer in one of these has left the recipient's working views (kept in the trail).
INBOX_HIDDEN = frozenset({S.RECALL_ACCEPTED})


def is_allowed(current: str | None, target: str, resumed_from: str | None = None) -> bool:
    """Whether ``target`` may follow ``current`` (``resumed_from``: status before a recall)."""
    allowed = set(TRANSITIONS.get(current, frozenset()))
    if current == S.RECALL_REFUSED and resumed_from is not None:
        allowed |= TRANSITIONS.get(resumed_from, frozenset()) - {S.RECALL_REQUESTED}
    return target in allowed


def check_transition(current: str | None, target: str, resumed_from: str | None = None) -> None:
    """Raise ``ConflictError`` naming both statuses unless ``target`` may follow ``current``."""
    if target not in STATUS_LABELS:
        raise ConflictError(f"{target!r} is not an edXML status code.")
    if not is_allowed(current, target, resumed_from):
        info = STATUS_LABELS.get(current) if current is not None else None
        now = info.english if info else "none"
        raise ConflictError(
            f"A transfer in status {current or '--'} ({now}) cannot move to {target} "
            f"({STATUS_LABELS[target].english})."
        )


_URGENCY_PRIORITY = MappingProxyType(
    {"normal": Priority.NORMAL, "khan": Priority.KHAN, "thuong_khan": Priority.THUONG_KHAN,
     "hoa_toc": Priority.HOA_TOC}
)


def priority_for_urgency(urgency: str) -> Priority:
    """The edXML priority of a document's urgency (``normal|khan|thuong_khan|hoa_toc``)."""
    return _URGENCY_PRIORITY.get(urgency, Priority.NORMAL)
