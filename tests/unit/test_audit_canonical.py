"""The fast canonical form the chain verifier splices by hand equals the reference one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from docflow.audit.batches import iso_utc as _iso
from docflow.core.audit_digest import canonical_event_bytes, canonical_event_text, canonical_json

CASES = [
    (1, None, None, "auth.login_failed", None, None, None, {}),
    (2, 7, 3, "document.created", "document", "12", "req-1", {"sha256": "ab" * 32}),
    (
        3,
        0,
        0,
        'a"b\\c\n',
        "x\u2028y",
        "Nguyễn Thị Hồng Nhung",
        "r",
        {"z": [1, {"b": None, "a": "ế"}], "a": 1.5},
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_fast_canonical_text_equals_the_reference(case: tuple) -> None:
    _seq, user, agency, action, s_type, s_id, request, details = case
    when = datetime(2026, 11, 26, 3, 4, 5, 60, tzinfo=UTC)
    reference = canonical_event_bytes(when, user, agency, action, s_type, s_id, request, details)
    fast = canonical_event_text(
        when.isoformat(timespec="microseconds"),
        user,
        agency,
        action,
        s_type,
        s_id,
        request,
        canonical_json(details),
    )
    assert fast.encode("utf-8") == reference


def test_times_from_either_driver_give_the_same_text() -> None:
    aware = datetime(2026, 11, 26, 3, 4, 5, 0, tzinfo=UTC)
    assert _iso("2026-11-26 03:04:05.000000") == aware.isoformat(timespec="microseconds")
    assert _iso(aware) == _iso(aware.replace(tzinfo=None)) == "2026-11-26T03:04:05.000000+00:00"
