"""The ``metadata`` of an upload, checked: ``DraftRequest.parse`` names every problem.

Moved out of ``docflow.documents.documents`` (which re-exports ``DraftRequest``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from docflow.accounts.inputs import clean_agency_code
from docflow.core.errors import InvalidInput
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.models import Confidentiality, Urgency
from docflow.documents.notices import parse_due

__all__ = ["DETAIL_KEYS", "MAX_ATTACHMENTS", "MAX_SUBJECT", "DetailsRequest", "DraftRequest"]

MAX_SUBJECT = 2000
#: Attachments (phụ lục) of one upload (the API refuses more; the upload form says so first).
MAX_ATTACHMENTS = 20
_LAYOUT_KEYS = ("leader_box", "number_box", "date_box", "page")
#: What a drafter may change on a draft after the upload (``DetailsRequest``).
DETAIL_KEYS = ("subject", "urgency", "due_date", "recipients", "signer")


@dataclass(frozen=True)
class DraftRequest:
    """The ``metadata`` of an upload, checked."""

    document_type: str
    subject: str
    signer: str
    urgency: str = Urgency.NORMAL.value
    confidentiality: str = Confidentiality.NONE.value
    recipients: tuple[str, ...] = ()
    drafting_unit: str | None = None
    place: str | None = None
    readers: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()
    layout: dict[str, Any] = field(default_factory=dict)
    #: Hạn xử lý (optional ``due_date``): each transfer's deadline on arrival.
    due_at: datetime | None = None

    @classmethod
    def parse(cls, raw: Any) -> DraftRequest:
        """From the decoded ``metadata`` JSON; ``InvalidInput`` naming every problem."""
        if not isinstance(raw, dict):
            raise InvalidInput("metadata must be a JSON object.")
        problems: list[str] = []
        # Each part appends its problems in the order of the message.
        kind, subject, signer = _parse_subject_and_signer(raw, problems)
        urgency, secrecy = _parse_levels(raw, problems)
        recipients, readers, approvers = _parse_people(raw, problems)
        unit, place = _parse_unit_and_place(raw, problems)
        layout = _parse_layout(raw.get("fields"), problems)
        due_at = parse_due(raw.get("due_date"), problems)
        if problems:
            raise InvalidInput("The metadata is not valid: " + "; ".join(problems) + ".")
        codes: list[str] = []
        for code in recipients:
            codes.append(clean_agency_code(code))
        return cls(
            document_type=kind,
            subject=subject.strip(),
            signer=signer.strip().lower(),
            urgency=urgency,
            confidentiality=secrecy,
            recipients=tuple(dict.fromkeys(codes)),
            drafting_unit=unit.strip().upper() if unit is not None else None,
            place=place.strip() if place is not None and place.strip() else None,
            readers=tuple(r.strip().lower() for r in readers),
            approvers=tuple(a.strip().lower() for a in approvers),
            layout=layout,
            due_at=due_at,
        )


def _parse_subject_and_signer(raw: dict[str, Any], problems: list[str]) -> tuple[str, str, str]:
    """Document type, subject and signer (unstripped); ``""`` for a missing text."""
    # A list or an object where a word belongs is refused like an unknown word (and
    # never reaches a set or dict lookup, where it would not even hash).
    kind = _word(raw.get("document_type"))
    if kind not in DOCUMENT_TYPES:
        problems.append(
            f"document_type {kind!r} is not a Decree 30 type; use one of "
            + ", ".join(DOCUMENT_TYPES)
        )
    subject = raw.get("subject")
    if not isinstance(subject, str) or not subject.strip():
        problems.append("subject (trích yếu) is required")
        subject = ""
    elif len(subject) > MAX_SUBJECT:
        problems.append(f"subject is longer than {MAX_SUBJECT} characters")
    signer = raw.get("signer")
    if not isinstance(signer, str) or not signer.strip():
        problems.append("signer (username of a leader of your agency) is required")
        signer = ""
    return kind, subject, signer


def _parse_levels(raw: dict[str, Any], problems: list[str]) -> tuple[str, str]:
    """Urgency (độ khẩn) and confidentiality (độ mật)."""
    urgency = _word(raw.get("urgency", Urgency.NORMAL.value))
    if urgency not in {u.value for u in Urgency}:
        problems.append(f"urgency {urgency!r}: use normal, khan, thuong_khan or hoa_toc")
    secrecy = _word(raw.get("confidentiality", Confidentiality.NONE.value))
    if secrecy not in {c.value for c in Confidentiality}:
        problems.append(f"confidentiality {secrecy!r}: use none, mat, toi_mat or tuyet_mat")
    return urgency, secrecy


def _text_list(raw: dict[str, Any], key: str, problem: str, problems: list[str]) -> list[str]:
    """``raw[key]`` if it is a list of texts (default empty); else ``problem`` and empty."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(problem)
        return []
    return value


def _parse_people(
    raw: dict[str, Any], problems: list[str]
) -> tuple[list[str], list[str], list[str]]:
    """Recipient agency codes, named readers and approvers (in signing order)."""
    recipients = _text_list(
        raw, "recipients", "recipients must be a list of agency codes", problems
    )
    readers = _text_list(raw, "readers", "readers must be a list of usernames", problems)
    approvers = _text_list(
        raw, "approvers", "approvers must be a list of usernames, in signing order", problems
    )
    if approvers and len({a.strip().lower() for a in approvers}) != len(approvers):
        problems.append("approvers must not repeat a person")
    return recipients, readers, approvers


def _parse_unit_and_place(
    raw: dict[str, Any], problems: list[str]
) -> tuple[str | None, str | None]:
    """The drafting unit's abbreviation and the place of issue, both optional."""
    unit = raw.get("drafting_unit")
    if unit is not None and (not isinstance(unit, str) or not 0 < len(unit) <= 32):
        problems.append("drafting_unit must be a short abbreviation (e.g. VP)")
    place = raw.get("place")
    if place is not None and (not isinstance(place, str) or len(place) > 128):
        problems.append("place must be a short text (e.g. Hậu Giang)")
    return (
        unit if isinstance(unit, str) else None,
        place if isinstance(place, str) else None,
    )


def _word(value: Any) -> Any:
    """``value`` if it is text, else its JSON type's name (so the message can say what came)."""
    return value if isinstance(value, str) else f"<{type(value).__name__}>"


def _parse_layout(raw: Any, problems: list[str]) -> dict[str, Any]:
    """Optional field positions: ``{leader_box|number_box|date_box: [x1,y1,x2,y2], page}``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append("fields must be an object of boxes")
        return {}
    layout: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _LAYOUT_KEYS:
            problems.append(f"fields.{key} is unknown; use {', '.join(_LAYOUT_KEYS)}")
        elif key == "page":
            if not isinstance(value, int) or isinstance(value, bool) or not -1 <= value < 10_000:
                problems.append("fields.page must be a page index (0 = first, -1 = last)")
            else:
                layout[key] = value
        elif (
            not isinstance(value, list)
            or len(value) != 4
            or not all(isinstance(v, int | float) and 0 <= v <= 14400 for v in value)
            or value[0] >= value[2]
            or value[1] >= value[3]
        ):
            problems.append(f"fields.{key} must be [x1, y1, x2, y2] in points, x1<x2, y1<y2")
        else:
            layout[key] = tuple(float(v) for v in value)
    return layout


@dataclass(frozen=True)
class DetailsRequest:
    """A drafter's change of a draft's details, checked as the upload's metadata is:
    only the keys sent change (``due_date`` null or "" clears the due date)."""

    subject: str | None = None
    urgency: str | None = None
    recipients: tuple[str, ...] | None = None
    signer: str | None = None
    due_at: datetime | None = None
    change_due: bool = False

    @classmethod
    def parse(cls, raw: Any) -> DetailsRequest:
        if not isinstance(raw, dict):
            raise InvalidInput("The details must be a JSON object.")
        problems = [
            f"{key} cannot be changed here; change {', '.join(DETAIL_KEYS)}"
            for key in raw if key not in DETAIL_KEYS
        ]
        if not any(key in raw for key in DETAIL_KEYS):
            problems.append("send at least one of " + ", ".join(DETAIL_KEYS))
        filled = {"document_type": next(iter(DOCUMENT_TYPES)), "subject": "-", "signer": "-"}
        checked = {**filled, **{k: v for k, v in raw.items() if k in ("subject", "signer")}}
        _kind, subject, signer = _parse_subject_and_signer(checked, problems)
        urgency, _secrecy = _parse_levels({"urgency": raw.get("urgency", "normal")}, problems)
        recipients, _r, _a = _parse_people({"recipients": raw.get("recipients", [])}, problems)
        due_at = parse_due(raw.get("due_date"), problems)
        if problems:
            raise InvalidInput("The details are not valid: " + "; ".join(problems) + ".")
        codes = tuple(dict.fromkeys(clean_agency_code(c) for c in recipients))
        return cls(
            subject=subject.strip() if "subject" in raw else None,
            urgency=urgency if "urgency" in raw else None,
            recipients=codes if "recipients" in raw else None,
            signer=signer.strip().lower() if "signer" in raw else None,
            due_at=due_at,
            change_due="due_date" in raw,
        )
