"""``iso_utc``: the very string ``isoformat`` gives, whatever is already remembered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from docflow.core import models_base
from docflow.core.models_base import iso_utc

HANOI = timezone(timedelta(hours=7))


def test_the_same_text_as_isoformat_for_every_kind_of_value() -> None:
    values = [
        datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
        datetime(2026, 12, 1, 8, 30, 0, 250, tzinfo=UTC),  # microseconds shown
        datetime(2026, 12, 1, 15, 30, tzinfo=HANOI),  # the same instant as the first
        datetime(2026, 12, 1, 8, 30),  # naive
    ]
    for _ in range(2):  # the second round answers from what the first remembered
        assert [iso_utc(v) for v in values] == [v.isoformat() for v in values]
    assert iso_utc(values[2]) == "2026-12-01T15:30:00+07:00"
    assert iso_utc(values[0]) == "2026-12-01T08:30:00+00:00"


def test_what_is_remembered_never_grows_past_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models_base, "ISO_CACHE_ENTRIES", 10)
    monkeypatch.setattr(models_base, "_ISO", {})
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for minute in range(35):
        value = start + timedelta(minutes=minute)
        assert iso_utc(value) == value.isoformat()
        assert len(models_base._ISO) <= 10
