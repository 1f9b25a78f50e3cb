"""Rebuild ``DocflowStampSerif.ttf`` from Liberation Serif 2.x (run once, offline).

    python signing/stamps/fonts/build_stamp_font.py \
        /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf

(Debian package ``fonts-liberation2``.) The result is committed; nothing calls this at runtime.

What it does, and why:

* subsets to Latin, Vietnamese and common punctuation (about 60 KB instead of 400 KB),
  keeping the OpenType layout features (``ccmp``, ``mark``, ``kern``) so that
  combining diacritics still position correctly;
* rescales the font to ``unitsPerEm`` 1000: pyHanko writes TrueType glyph widths to
  the PDF ``/W`` array in font units, which PDF reads as 1/1000 em, so a 2048-unit
  font renders about twice too wide;
* renames the family to "Docflow Stamp Serif": the SIL Open Font License 1.1 forbids
  a Modified Version from using the Reserved Font Name "Liberation".
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "DocflowStampSerif.ttf"
FAMILY = "Docflow Stamp Serif"
PS_NAME = "DocflowStampSerif"

UNICODE_RANGES: list[tuple[int, int]] = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A (Đ đ Ĩ ĩ Ũ ũ)
    (0x01A0, 0x01B0),  # Ơ ơ Ư ư
    (0x0300, 0x0323),  # combining diacritics used by decomposed Vietnamese
    (0x1EA0, 0x1EF9),  # Latin Extended Additional: precomposed Vietnamese
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x203A),  # per mille, primes, guillemets
    (0x20AB, 0x20AC),  # ₫ €
    (0x2116, 0x2116),  # №
]


def build(source: Path, output: Path = OUTPUT) -> None:
    font = TTFont(source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # instructions do not survive rescaling reliably
    options.drop_tables += ["FFTM"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=[c for lo, hi in UNICODE_RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)

    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)

    name = font["name"]
    renames = {
        1: FAMILY,
        3: f"{PS_NAME}; derived from Liberation Serif 2.1.5",
        4: FAMILY,
        6: PS_NAME,
        10: (
            "Subset (Latin, Vietnamese) of Liberation Serif 2.1.5, rescaled to 1000 units "
            "per em and renamed, for docflow's signature stamps. Licensed under the SIL "
            "Open Font License 1.1; see OFL.txt."
        ),
    }
    for record in list(name.names):
        if record.nameID in (16, 17, 7):  # typographic family/subfamily, trademark
            name.removeNames(nameID=record.nameID)
    for name_id, value in renames.items():
        name.removeNames(nameID=name_id)
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    font.save(output)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")
