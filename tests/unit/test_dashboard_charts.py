"""The dashboard's SVG charts (``docflow.web.charts``) as pure functions: well-formed
SVG, named and described for assistive technology, every figure also in text, labels
escaped, and every colour of a mark or a text at least 4.5:1 against the background."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from docflow.web import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def colours(markup: str) -> set[str]:
    return set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{6})"', str(markup)))


def _daily() -> str:
    return charts.grouped_bars(
        "c1", "Văn bản theo ngày", "Mô tả", ["01/11", "02/11", "03/11"],
        [("Ban hành", [1, 0, 3]), ("Đến", [2, 5, 0])],
        ["01/11/2026", "02/11/2026", "03/11/2026"],
    )


def _share() -> str:
    return charts.share_bars("c2", "Đúng hạn", "Mô tả",
                             [("STC", 1 / 3, "33,3% (1/3)"), ("UBNDVT", 0.0, "0% (0/1)"),
                              ("VP", None, "—")])


def _stacked() -> str:
    return charts.stacked_bars("c3", "Chữ ký", "Mô tả", ["Hợp lệ", "Không hợp lệ", "Chưa rõ"],
                               [("Tổng cộng", [3, 1, 0]), ("STC", [0, 0, 0])])


@pytest.mark.parametrize("build", [_daily, _share, _stacked])
def test_every_chart_is_a_named_described_image(build) -> None:  # type: ignore[no-untyped-def]
    markup = build()
    root = parse(markup)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    ident = root.get("id")
    assert root.get("aria-labelledby") == f"{ident}-t {ident}-d"
    assert root.find(f"{SVG}title").get("id") == f"{ident}-t"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Mô tả"  # type: ignore[union-attr]
    assert root.get("viewBox", "").startswith("0 0 340 ")


@pytest.mark.parametrize("build", [_daily, _share, _stacked])
def test_every_colour_has_contrast_against_the_background(build) -> None:  # type: ignore[no-untyped-def]
    used = colours(build()) - {charts.BACKGROUND}
    assert used
    for colour in used:
        assert charts.contrast(colour) >= 4.5, colour


def test_the_palettes_themselves_have_contrast() -> None:
    for colour, _ in (*charts.PALETTE, *charts.VERDICT_COLOURS):
        assert charts.contrast(colour) >= 4.5, colour
    assert charts.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert charts.contrast("#ffffff") == pytest.approx(1)


def test_series_differ_by_pattern_not_only_colour_and_have_a_legend() -> None:
    markup = str(_daily())
    assert 'fill="url(#c1-p1)"' in markup and "<pattern id=\"c1-p1\"" in markup
    assert ">Ban hành</text>" in markup and ">Đến</text>" in markup
    root = parse(markup)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 6
    tips = [r.find(f"{SVG}title").text for r in bars]  # type: ignore[union-attr]
    assert "03/11/2026 · Ban hành: 3" in tips and "02/11/2026 · Đến: 5" in tips
    # The tallest bar (5) reaches the axis top (5): full plot height.
    heights = {t: float(r.get("height", 0)) for t, r in zip(tips, bars, strict=True)}
    assert heights["02/11/2026 · Đến: 5"] == pytest.approx(130.0)
    assert heights["01/11/2026 · Ban hành: 1"] == pytest.approx(26.0)


def test_share_bars_print_their_value_and_draw_none_for_nothing_due() -> None:
    markup = str(_share())
    assert ">33,3% (1/3)</text>" in markup and ">0% (0/1)</text>" in markup
    root = parse(markup)
    filled = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(filled) == 2  # VP has nothing due: no bar, only its text
    assert float(filled[0].get("width", 0)) == pytest.approx(150 / 3, abs=0.01)


def test_stacked_bars_split_by_share_and_print_the_counts() -> None:
    markup = str(_stacked())
    assert ">3 / 1 / 0</text>" in markup and ">0 / 0 / 0</text>" in markup
    root = parse(markup)
    parts = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    widths = [float(r.get("width", 0)) for r in parts]
    assert widths == pytest.approx([165 * 3 / 4, 165 / 4])
    assert [r.find(f"{SVG}title").text for r in parts] == [  # type: ignore[union-attr]
        "Tổng cộng · Hợp lệ: 3", "Tổng cộng · Không hợp lệ: 1"]


def test_labels_and_titles_are_escaped() -> None:
    markup = str(charts.share_bars('x"><script>', "<b>T</b>", "a & b",
                                   [("<i>", 0.5, "<50%>")]))
    assert "<script>" not in markup and "<b>" not in markup and "<i>" not in markup
    root = parse(markup)  # still well-formed
    assert root.find(f"{SVG}title").text == "<b>T</b>"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "a & b"  # type: ignore[union-attr]


def test_names_have_room_left_of_the_bars() -> None:
    root = parse(_stacked())
    names = [t for t in root.iter(f"{SVG}text") if t.text == "Tổng cộng"]
    assert names and names[0].get("text-anchor") == "end"
    # About 7 units a letter at font size 12: "Tổng cộng" ends at x and starts inside.
    assert float(names[0].get("x", 0)) - 7 * len("Tổng cộng") >= 0


def test_an_empty_or_all_zero_chart_still_draws() -> None:
    root = parse(charts.grouped_bars("z", "T", "D", ["01/11"], [("A", [0]), ("B", [0])]))
    assert [t.text for t in root.iter(f"{SVG}text")][-1] == "01/11"
    assert parse(charts.share_bars("e", "T", "D", [])).get("viewBox") == "0 0 340 12"
