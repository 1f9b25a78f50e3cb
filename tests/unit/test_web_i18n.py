"""The pages' string catalogue and date formatting (no server, no browser)."""

from __future__ import annotations

from datetime import UTC, datetime

from docflow.web.i18n import CATALOGUE, translator, vn_date, vn_datetime


def test_english_has_every_vietnamese_string_and_nothing_else() -> None:
    assert set(CATALOGUE["en"]) == set(CATALOGUE["vi"])
    assert all(text.strip() for strings in CATALOGUE.values() for text in strings.values())


def test_unknown_language_falls_back_to_vietnamese() -> None:
    assert translator("fr")("sign_in") == "Đăng nhập"
    assert translator("en")("sign_in") == "Sign in"
    assert translator("vi")("no.such.key") == "no.such.key"


def test_dates_show_day_month_year_in_vietnam_time() -> None:
    # 18:30 UTC on 31 December is already 1 January in Vietnam (UTC+07:00).
    moment = datetime(2026, 12, 31, 18, 30, tzinfo=UTC)
    assert vn_date(moment) == "01/01/2027"
    assert vn_datetime(moment.isoformat()) == "01:30 01/01/2027"
    assert vn_date(None) == "" and vn_datetime("") == ""


def test_status_labels_name_the_new_04_05_and_the_old_meaning_of_old_events() -> None:
    from docflow.web.pages import _status_label

    assert _status_label("04", "en") == "04 · assigned for handling"
    assert _status_label("05", "vi") == "05 · Đang xử lý"
    # An 04/05 event signed before the change (migration 0009) keeps its old meaning.
    assert _status_label("04", "en", True) == "04 · awaiting assignment (old code)"
    assert _status_label("05", "vi", True) == "05 · Đã phân công (mã cũ)"
