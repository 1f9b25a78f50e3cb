"""Charts as inline SVG, drawn on the server (no script, no library): pure functions from
numbers and words to markup.

Every chart is an image with a title and a description (``role="img"``, both named by
``aria-labelledby``); every bar carries its figure as text (a ``<title>`` tooltip, and a
printed value where there is room), so nothing depends on colour alone: series also
differ by fill pattern and are named in a legend. Every colour used for a mark or a
text has a contrast of at least 4.5:1 against the white background (``contrast`` checks
it; the unit tests hold every colour here to it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

__all__ = [
    "BACKGROUND",
    "PALETTE",
    "VERDICT_COLOURS",
    "contrast",
    "grouped_bars",
    "share_bars",
    "stacked_bars",
]

BACKGROUND = "#ffffff"
INK = "#1d1d1f"
MUTED = "#5f6368"
#: Series colours with the pattern that tells them apart without colour.
PALETTE: tuple[tuple[str, str], ...] = (("#1f4e99", "solid"), ("#6a3d9a", "hatch"),
                                        ("#8a5a00", "dots"))
VERDICT_COLOURS: tuple[tuple[str, str], ...] = (("#1b5e20", "solid"), ("#b71c1c", "hatch"),
                                                ("#8a5a00", "dots"))
WIDTH = 340
#: Room for a row's name (an abbreviation, or "Tổng cộng") left of a horizontal bar.
LABEL_W = 80.0
FONT = 'font-family="inherit" font-size="12"'


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str = BACKGROUND) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _x(text: object) -> str:
    return escape(str(text), quote=True)


def _patterns(ident: str, colours: Sequence[tuple[str, str]]) -> str:
    """``<defs>`` with one fill per series: a solid colour, stripes or dots of it."""
    shapes = []
    for n, (colour, kind) in enumerate(colours):
        if kind == "hatch":
            body = (f'<rect width="6" height="6" fill="{BACKGROUND}"/>'
                    f'<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="{colour}" '
                    'stroke-width="2.2"/>')
        elif kind == "dots":
            body = (f'<rect width="5" height="5" fill="{colour}"/>'
                    f'<circle cx="2.5" cy="2.5" r="1.1" fill="{BACKGROUND}"/>')
        else:
            continue
        size = 6 if kind == "hatch" else 5
        shapes.append(f'<pattern id="{ident}-p{n}" width="{size}" height="{size}" '
                      f'patternUnits="userSpaceOnUse">{body}</pattern>')
    return f"<defs>{''.join(shapes)}</defs>" if shapes else ""


def _fill(ident: str, colours: Sequence[tuple[str, str]], n: int) -> str:
    colour, kind = colours[n]
    return colour if kind == "solid" else f"url(#{ident}-p{n})"


def _frame(ident: str, height: float, title: str, desc: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_x(ident)}" '
        f'viewBox="0 0 {WIDTH} {math.ceil(height)}" role="img" '
        f'aria-labelledby="{_x(ident)}-t {_x(ident)}-d">'
        f'<title id="{_x(ident)}-t">{_x(title)}</title><desc id="{_x(ident)}-d">{_x(desc)}</desc>'
        f'<rect width="{WIDTH}" height="{math.ceil(height)}" fill="{BACKGROUND}"/>{body}</svg>'
    )


def _legend(ident: str, colours: Sequence[tuple[str, str]], names: Sequence[str],
            y: float) -> tuple[str, float]:
    """Swatches with their names, wrapped onto as many lines as needed."""
    parts, x = [], 4.0
    for n, name in enumerate(names):
        width = 18 + 6.8 * len(name)
        if x + width > WIDTH and x > 4:
            x, y = 4.0, y + 16
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" '
                     f'fill="{_fill(ident, colours, n)}" stroke="{colours[n][0]}"/>'
                     f'<text x="{x + 16:.1f}" y="{y + 10:.1f}" {FONT} fill="{INK}">{_x(name)}'
                     "</text>")
        x += width + 10
    return "".join(parts), y + 16


def _nice_top(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 4:
        return max(value, 1)
    power: int = 10 ** int(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def grouped_bars(ident: str, title: str, desc: str, labels: Sequence[str],
                 series: Sequence[tuple[str, Sequence[int]]],
                 tips: Sequence[str] | None = None) -> Markup:
    """Vertical bars, one group per label (a day), one bar per series in each group.

    ``tips``: a longer name of each label for the bars' tooltips (a full date)."""
    colours = PALETTE[: len(series)]
    legend, top = _legend(ident, colours, [name for name, _ in series], 4)
    left, plot_top, plot_h = 30.0, top + 6, 130.0
    plot_w = WIDTH - left - 6
    highest = _nice_top(max((v for _, values in series for v in values), default=0))
    parts = [_patterns(ident, colours), legend]
    for tick in (0, highest / 2, highest):
        y = plot_top + plot_h - plot_h * tick / highest
        parts.append(f'<line x1="{left}" x2="{WIDTH - 6}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{MUTED}" stroke-width="{1 if tick == 0 else 0.4}"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" {FONT} fill="{INK}" '
                     f'text-anchor="end">{tick:g}</text>')
    slot = plot_w / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    every = max(1, math.ceil(len(labels) / 7))
    for i, label in enumerate(labels):
        x0 = left + i * slot + slot * 0.1
        for s, (name, values) in enumerate(series):
            value = values[i]
            height = plot_h * value / highest
            tip = f"{(tips or labels)[i]} · {name}: {value}"
            parts.append(f'<rect x="{x0 + s * bar:.2f}" y="{plot_top + plot_h - height:.2f}" '
                         f'width="{max(bar - 0.6, 0.6):.2f}" height="{height:.2f}" '
                         f'fill="{_fill(ident, colours, s)}" stroke="{colours[s][0]}" '
                         f'stroke-width="0.6"><title>{_x(tip)}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{left + i * slot + slot / 2:.1f}" '
                         f'y="{plot_top + plot_h + 14:.1f}" {FONT} fill="{INK}" '
                         f'text-anchor="middle">{_x(label)}</text>')
    return _frame(ident, plot_top + plot_h + 22, title, desc, "".join(parts))


def share_bars(ident: str, title: str, desc: str,
               rows: Sequence[tuple[str, float | None, str]]) -> Markup:
    """Horizontal bars of a share (0 to 1) per row: (name, share or None, value text);
    the value text is printed beside each bar, ``None`` draws no bar."""
    label_w, bar_w, row_h = LABEL_W, 150.0, 22.0
    parts = []
    for i, (name, share, text) in enumerate(rows):
        y = 6 + i * row_h
        parts.append(f'<text x="{label_w - 4}" y="{y + 13:.1f}" {FONT} fill="{INK}" '
                     f'text-anchor="end">{_x(name[:10])}</text>'
                     f'<rect x="{label_w}" y="{y + 3:.1f}" width="{bar_w}" height="14" '
                     f'fill="{BACKGROUND}" stroke="{MUTED}" stroke-width="0.8"/>')
        if share is not None:
            parts.append(f'<rect x="{label_w}" y="{y + 3:.1f}" '
                         f'width="{bar_w * min(max(share, 0.0), 1.0):.2f}" height="14" '
                         f'fill="{PALETTE[0][0]}"><title>{_x(name)}: {_x(text)}</title></rect>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 13:.1f}" {FONT} '
                     f'fill="{INK}">{_x(text)}</text>')
    return _frame(ident, 12 + len(rows) * row_h, title, desc, "".join(parts))


def stacked_bars(ident: str, title: str, desc: str, parts_names: Sequence[str],
                 rows: Sequence[tuple[str, Sequence[int]]]) -> Markup:
    """One horizontal bar per row split into parts (a row's counts, in
    ``parts_names`` order) by their share of the row's total; the counts are printed
    after the bar and the parts named in a legend."""
    colours = VERDICT_COLOURS[: len(parts_names)]
    legend, top = _legend(ident, colours, parts_names, 4)
    label_w, bar_w, row_h = LABEL_W, 165.0, 22.0
    parts = [_patterns(ident, colours), legend]
    for i, (name, counts) in enumerate(rows):
        y = top + 4 + i * row_h
        total = sum(counts)
        parts.append(f'<text x="{label_w - 4}" y="{y + 13:.1f}" {FONT} fill="{INK}" '
                     f'text-anchor="end">{_x(name[:10])}</text>'
                     f'<rect x="{label_w}" y="{y + 3:.1f}" width="{bar_w}" height="14" '
                     f'fill="{BACKGROUND}" stroke="{MUTED}" stroke-width="0.8"/>')
        x = label_w
        for n, count in enumerate(counts):
            if not total or not count:
                continue
            width = bar_w * count / total
            parts.append(f'<rect x="{x:.2f}" y="{y + 3:.1f}" width="{width:.2f}" height="14" '
                         f'fill="{_fill(ident, colours, n)}" stroke="{colours[n][0]}">'
                         f'<title>{_x(name)} · {_x(parts_names[n])}: {count}</title></rect>')
            x += width
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 13:.1f}" {FONT} '
                     f'fill="{INK}">{_x(" / ".join(str(c) for c in counts))}</text>')
    return _frame(ident, top + 10 + len(rows) * row_h, title, desc, "".join(parts))
