"""A deadline typed as a date (the pages' date inputs send ``YYYY-MM-DD``) lasts until
the end of that day in Vietnam, for the drafter's due date and the leader's assignment
alike: read as its midnight, "due today" was overdue the moment it was given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from docflow.core.errors import InvalidInput
from docflow.documents.notices import parse_due
from docflow.transfers.transfers import _deadline

END_OF_DAY = datetime(2026, 11, 30, 16, 59, 59, tzinfo=UTC)  # 23:59:59 in Vietnam


def test_a_date_is_the_end_of_that_day_in_vietnam() -> None:
    assert _deadline("2026-11-30") == END_OF_DAY
    assert _deadline(" 2026-11-30 ") == END_OF_DAY
    assert parse_due("2026-11-30", []) == END_OF_DAY


def test_a_time_is_kept_and_read_in_vietnam_when_it_names_no_zone() -> None:
    assert _deadline("2026-11-30T09:00") == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert _deadline("2026-11-30T09:00+00:00") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_a_word_is_refused_with_the_expected_form() -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        _deadline("tomorrow")
