"""Text layout for the stamps: word wrap and the largest font size that fits a box.

Private to :mod:`signing.stamps.appearance`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.text import TextBoxStyle

from signing.stamps._font import font_factory, font_metrics, text_width

TEXT_COLOR: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class TextBlock:
    lines: tuple[str, ...]
    size: int
    leading: int

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def bottom_pad(self) -> int:
        """Room under the last baseline for descenders (pyHanko's box ends at the baseline)."""
        return math.ceil(self.size * font_metrics()[3] / 1000)

    @property
    def height(self) -> float:
        return len(self.lines) * self.leading + self.bottom_pad

    @property
    def width(self) -> float:
        return max(text_width(line, self.size) for line in self.lines)


_TOKEN = re.compile(r"\d{2}:\d{2}:\d{2} \d{2}/\d{2}/\d{4}|\S+")
"""Words for wrapping; a ``hh:mm:ss dd/mm/yyyy`` time is never split across lines."""


def wrap(paragraph: str, width: float, size: int, indent: str = "   ") -> list[str]:
    """Greedy word wrap; continuation lines are indented. A too-long word overflows."""
    words = _TOKEN.findall(paragraph)
    if not words:
        return [""]
    lines: list[str] = []
    current = words[0]
    for word in words[1:]:
        candidate = f"{current} {word}"
        if text_width(candidate, size) <= width:
            current = candidate
        else:
            lines.append(current)
            current = indent + word
    lines.append(current)
    return lines


def fit_text(
    paragraphs: Sequence[str],
    width: float,
    height: float,
    max_size: int,
    min_size: int = 5,
    min_unwrapped_size: int = 8,
) -> TextBlock:
    """The largest font size (whole points) at which the text fits ``width x height``.

    One line per paragraph if that works at ``min_unwrapped_size`` or more; otherwise
    the largest size at which the word-wrapped text fits. If even ``min_size`` does not
    fit, the smallest layout is returned and pyHanko's shrink-to-fit scales it down.
    """
    smallest: TextBlock | None = None
    for allow_wrap, lowest in ((False, max(min_unwrapped_size, min_size)), (True, min_size)):
        for size in range(max_size, lowest - 1, -1):
            leading = math.ceil(size * 1.18)
            lines: list[str] = []
            for paragraph in paragraphs:
                lines.extend(wrap(paragraph, width if allow_wrap else math.inf, size))
            block = TextBlock(tuple(lines), size, leading)
            if block.width <= width and block.height <= height:
                return block
            smallest = block
    assert smallest is not None
    return smallest


def text_box_style(block: TextBlock) -> TextBoxStyle:
    return TextBoxStyle(
        font=font_factory(block.size),
        font_size=block.size,
        leading=block.leading,
        text_color=TEXT_COLOR,
        box_layout_rule=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MIN,
            margins=Margins(left=0, right=0, top=0, bottom=block.bottom_pad),
            inner_content_scaling=InnerScaling.NO_SCALING,
        ),
    )
