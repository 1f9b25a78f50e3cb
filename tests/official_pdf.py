"""Drafts shaped like Vietnamese official documents, for the placement and render tests.

``official_draft()`` has the customary header: agency name top left, national title top
right, an empty band under them for the number and the place-and-date line, then the
title and the body. ``crowded_draft()`` starts its body right under the top margin, as
a draft typed without the header does: the customary band holds body text.

Text is ASCII Helvetica (the fields' own font carries the Vietnamese); every line's box
is returned with the PDF so a test can check that nothing is drawn over it.
"""

from __future__ import annotations

from dataclasses import dataclass

A4 = (595.28, 841.89)

Box = tuple[float, float, float, float]

# Helvetica advance widths (1/1000 em) for the characters the drafts use; others 556.
_WIDTHS = {" ": 278, ",": 278, ".": 278, "-": 333, ":": 278, "/": 278, "(": 333, ")": 333}
_NARROW = set("iljtfrI1")
_WIDE = set("mwMW")


def _width(text: str, size: float) -> float:
    total = 0
    for ch in text:
        if ch in _WIDTHS:
            total += _WIDTHS[ch]
        elif ch in _NARROW:
            total += 278
        elif ch in _WIDE:
            total += 833
        elif ch.isupper():
            total += 667
        else:
            total += 556
    return total * size / 1000


@dataclass(frozen=True)
class Line:
    x: float
    y: float  # baseline
    size: float
    text: str

    @property
    def box(self) -> Box:
        """Ink box of the line: descenders below the baseline, capitals above."""
        return (
            self.x,
            self.y - 0.23 * self.size,
            self.x + _width(self.text, self.size),
            self.y + 0.75 * self.size,
        )


@dataclass(frozen=True)
class Draft:
    pdf: bytes
    lines: tuple[Line, ...]

    @property
    def boxes(self) -> list[Box]:
        return [line.box for line in self.lines]


def _pdf(lines: list[Line], size: tuple[float, float] = A4) -> bytes:
    ops = []
    for line in lines:
        escaped = line.text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"BT /F1 {line.size:g} Tf {line.x:.2f} {line.y:.2f} Td ({escaped}) Tj ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>" % size,
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


BODY = (
    "Can cu Luat To chuc chinh quyen dia phuong ngay 19 thang 6 nam 2015;",
    "Can cu Nghi dinh so 30/2020/ND-CP ngay 05 thang 3 nam 2020 cua Chinh phu",
    "ve cong tac van thu; theo de nghi cua Chanh Van phong,",
    "Dieu 1. Ban hanh kem theo Quyet dinh nay Quy che quan ly van ban dien tu.",
    "Dieu 2. Quyet dinh nay co hieu luc ke tu ngay ky ban hanh.",
    "Dieu 3. Chanh Van phong, Thu truong cac don vi chiu trach nhiem thi hanh.",
)


def _body(top: float, bottom: float, size: float = 13) -> list[Line]:
    lines = []
    y = top
    n = 0
    while y >= bottom:
        lines.append(Line(72, y, size, BODY[n % len(BODY)]))
        y -= size * 1.5
        n += 1
    return lines


def official_draft() -> Draft:
    """Header, free number/date band (y 735..770), title, body down to y 260."""
    lines = [
        Line(88, 800, 12, "UBND TINH HAU GIANG"),
        Line(60, 785, 12, "SO THONG TIN VA TRUYEN THONG"),
        Line(318, 800, 12, "CONG HOA XA HOI CHU NGHIA VIET NAM"),
        Line(360, 785, 12, "Doc lap - Tu do - Hanh phuc"),
        Line(250, 700, 14, "QUYET DINH"),
        Line(150, 682, 13, "Ve viec ban hanh Quy che quan ly van ban"),
        *_body(650, 260),
    ]
    return Draft(_pdf(lines), tuple(lines))


def crowded_draft() -> Draft:
    """Body text from y 790 (just under the top margin) down to y 230."""
    lines = _body(790, 230)
    return Draft(_pdf(lines), tuple(lines))
