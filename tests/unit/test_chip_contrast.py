"""State and status chips (docflow/web/static/css/app.css) read well and never mislead.

Every document state and every edXML status code has a chip class whose text colour
stands at least 4.5:1 (WCAG 2.x AA, normal text) against its background, computed from
the stylesheet itself with its custom properties resolved; a refused transfer never
wears the colours or the mark of a completed one; every chip carries a mark before its
words; and the templates that show a status or a state put its words in the chip.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docflow.documents.models import DocumentState
from docflow.transfers.statuses import STATUS_LABELS

WEB = Path(__file__).resolve().parents[2] / "docflow" / "web"
CSS = (WEB / "static" / "css" / "app.css").read_text(encoding="utf-8")

STATE_CLASSES = [f"s-{s.value}" for s in DocumentState]
#: ``st-`` is a transfer to another system that has not reported yet (status "").
STATUS_CLASSES = [f"st-{code}" for code in STATUS_LABELS] + ["st-"]
URGENCY_CLASSES = ["u-khan", "u-thuong_khan", "u-hoa_toc"]
DELIVERY_CLASSES = ["ds-pending", "ds-delivered", "ds-failed"]


def _rules(css: str) -> list[tuple[list[str], dict[str, str]]]:
    """(selectors, declarations) of every plain rule; @media blocks are skipped."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", css)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for part in body.split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                declarations[name.strip()] = value.strip()
        rules.append(([s.strip() for s in selectors.split(",")], declarations))
    return rules


RULES = _rules(CSS)
VARIABLES = {
    name: value
    for selectors, decl in RULES
    if ":root" in selectors
    for name, value in decl.items()
    if name.startswith("--")
}


def _resolve(value: str) -> str:
    while (found := re.search(r"var\((--[\w-]+)\)", value)) is not None:
        value = value.replace(found.group(0), VARIABLES[found.group(1)])
    return value


def _declared(selector: str, prop: str) -> str | None:
    """The last value of ``prop`` in a rule naming exactly ``selector`` (shorthand
    ``background`` counts as background colour)."""
    found = None
    for selectors, decl in RULES:
        if selector in selectors:
            for name in (prop, "background") if prop == "background-color" else (prop,):
                if name in decl:
                    found = _resolve(decl[name])
    return found


def _rgb(colour: str) -> tuple[float, float, float]:
    match = re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", colour.split()[0])
    assert match, f"chip colours are hex so they can be checked: {colour!r}"
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    high, low = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _colours(cls: str) -> tuple[str, str]:
    fg = _declared(f".{cls}", "color")
    bg = _declared(f".{cls}", "background-color")
    assert fg and bg, f".{cls} has no colour of its own: it would look like any other chip"
    return fg.lower(), bg.lower()


def test_contrast_arithmetic_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("cls", STATE_CLASSES + STATUS_CLASSES + URGENCY_CLASSES + DELIVERY_CLASSES)
def test_every_chip_text_is_readable_on_its_background(cls: str) -> None:
    fg, bg = _colours(cls)
    ratio = contrast(fg, bg)
    assert ratio >= 4.5, f".{cls}: {fg} on {bg} is {ratio:.2f}:1, below 4.5:1"


def test_each_meaning_has_its_own_colour() -> None:
    states = {cls: _colours(cls) for cls in STATE_CLASSES}
    assert len(set(states.values())) == len(states), f"document states share colours: {states}"
    # 02 (refused) and 16 (recall refused) are both refusals and may share theirs.
    meanings = {
        "arrived": "st-01", "refused": "st-02", "registered": "st-03", "assigned": "st-04",
        "handling": "st-05", "completed": "st-06", "recall": "st-13", "withdrawn": "st-15",
        "sending": "st-",
    }
    seen = {name: _colours(cls) for name, cls in meanings.items()}
    assert len(set(seen.values())) == len(seen), f"statuses of different meaning look alike: {seen}"


def _mark(cls: str) -> str | None:
    return _declared(f".{cls}::before", "content")


def test_refused_never_looks_completed() -> None:
    done_fg, done_bg = _colours("st-06")
    for refused in ("st-02", "st-16"):
        fg, bg = _colours(refused)
        assert fg != done_fg and bg != done_bg
        assert _mark(refused) != _mark("st-06")
    assert _colours("s-issued") != _colours("st-02")


@pytest.mark.parametrize("cls", STATE_CLASSES + STATUS_CLASSES)
def test_every_chip_carries_a_mark_beside_its_words(cls: str) -> None:
    mark = _mark(cls)
    assert mark and mark.strip("\"'"), f".{cls} has no mark: its meaning would be colour alone"


def test_templates_put_the_words_inside_the_chip() -> None:
    """A chip is never an empty coloured dot: the status or state label is its text."""
    chips = 0
    for template in (WEB / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r'class="(status st|state s)-[^"]*"[^>]*>([^<]*)</span>', text):
            chips += 1
            assert "status_label(" in match.group(2) or "t('state." in match.group(2), (
                f"{template.name}: a chip without its words: {match.group(0)}"
            )
    assert chips >= 5  # documents, outbox, inbox, transfer, document


def test_the_menus_overdue_count_reads_on_the_red_header() -> None:
    # The menu's counts sit on the header's red; an overdue count was red on red.
    header = _declared(".top", "background-color")
    assert header is not None
    fg = _declared(".queues .count.late", "color") or _declared(".late", "color") or ""
    bg = _declared(".queues .count.late", "background-color") or header
    assert fg and contrast(fg, bg) >= 4.5, (fg, bg)
