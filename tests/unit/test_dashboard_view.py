"""Who sees which agencies on the dashboard (``dashboard_reach``), and how its figures
read (``web.dashboard_view``): percentages, durations, the period's refusals in
Vietnamese, the CSV table."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal, dashboard_reach
from docflow.dashboard.figures import AgencyFigures, Dashboard
from docflow.dashboard.period import BadPeriod, parse_period
from docflow.web import dashboard_view as view
from docflow.web.i18n_dashboard import DASHBOARD_STRINGS


def person(*roles: Role, province: bool = False) -> Principal:
    return Principal(1, "x", 7, None, frozenset(roles), province_scope=province)


@pytest.mark.parametrize("roles,province,reach", [
    ((Role.LEADER,), False, frozenset({7})),
    ((Role.CLERK,), False, frozenset({7})),
    ((Role.SPECIALIST,), False, frozenset()),
    ((Role.AUDITOR,), False, frozenset()),
    ((Role.ADMIN,), False, frozenset()),
    ((Role.ADMIN,), True, None),
    ((Role.AUDITOR,), True, None),
    ((Role.SPECIALIST,), True, frozenset()),  # province scope gives nothing to other roles
])
def test_reach(roles: tuple[Role, ...], province: bool, reach: frozenset[int] | None) -> None:
    assert dashboard_reach(person(*roles, province=province)) == reach


def vi(key: str) -> str:
    return DASHBOARD_STRINGS["vi"].get(key, key)


def test_percent_and_duration_read_in_each_language() -> None:
    assert view.percent(1, 3, "vi") == "33,3%" and view.percent(1, 3, "en") == "33.3%"
    assert view.percent(0, 1, "vi") == "0%" and view.percent(2, 2, "vi") == "100%"
    assert view.percent(0, 0, "vi") == ""
    assert view.duration(None, vi) == "—"
    assert view.duration(125, vi) == "2 phút"
    assert view.duration(3 * 3600 + 15 * 60, vi) == "3 giờ 15 phút"
    assert view.duration(12 * 3600 + 10, vi) == "12 giờ"
    assert view.duration(50 * 3600, vi) == "2 ngày 2 giờ"


def test_period_refusals_are_said_in_vietnamese() -> None:
    for since, until, expected in (("2026-13-01", None, "“Từ ngày” phải là một ngày"),
                                   ("2026-11-30", "2026-11-01", "Từ ngày (2026-11-30) sau"),
                                   ("2024-01-01", "2026-01-01", "tối đa 366 ngày")):
        with pytest.raises(BadPeriod) as raised:
            parse_period(since, until)
        assert expected in view.period_problem(raised.value, vi)


def test_csv_has_a_bom_a_header_each_agency_and_the_total() -> None:
    stc = AgencyFigures(4, "Sở Tài chính tỉnh Hậu Giang", "STC", issued=2, received=4, due=3,
                        on_time=1, completed=2, handling_seconds=7200.0, overdue=1,
                        deliveries_failed=1)
    stc.verdicts.update(passed=3, failed=1)
    vp = AgencyFigures(2, "Văn phòng", "VP")
    total = AgencyFigures(None, "", "")
    total.add(stc)
    total.add(vp)
    period = parse_period("2026-11-01", "2026-11-30")
    board = Dashboard(period, datetime.now(UTC), "province", [stc, vp], total, [], [])
    data = view.csv_bytes(board, vi)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "Cơ quan" and rows[0][-3:] == ["Hợp lệ", "Không hợp lệ", "Chưa xác định"]
    assert rows[1] == ["Sở Tài chính tỉnh Hậu Giang", "STC", "2", "4", "3", "1", "33", "2",
                       "60", "1", "1", "0", "3", "1", "0"]
    assert rows[2][6] == "" and rows[2][8] == ""  # nothing due, nothing completed
    assert rows[3][0] == "Tổng cộng" and rows[3][2:4] == ["2", "4"]


def test_every_dashboard_string_has_both_languages() -> None:
    assert set(DASHBOARD_STRINGS["vi"]) == set(DASHBOARD_STRINGS["en"])
    assert all(DASHBOARD_STRINGS["vi"].values()) and all(DASHBOARD_STRINGS["en"].values())
