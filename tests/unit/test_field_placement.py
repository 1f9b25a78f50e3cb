"""Where the number and date fields go when the upload does not say (no rendering here:
``tests/integration/test_issued_pdf.py`` looks at the pixels)."""

from __future__ import annotations

import io

from signing import FieldLayout
from signing.pades.fields import place_text_fields
from signing.pades.placement import (
    FIELD_HEIGHT,
    customary_date_box,
    customary_number_box,
    free_box,
    intersects,
    page_text_layout,
)
from tests.official_pdf import A4, crowded_draft, official_draft

PAGE = (0.0, 0.0, *A4)


def test_the_text_layer_is_found_where_it_is_drawn() -> None:
    draft = official_draft()
    page, boxes = page_text_layout(io.BytesIO(draft.pdf), 0)
    assert page == PAGE
    assert len(boxes) == len(draft.lines)
    for found, line in zip(boxes, draft.boxes, strict=True):
        # the estimate covers the real line (wide side), starting where it starts
        assert found[0] == line[0]
        assert found[1] <= line[1] and found[3] >= line[3]
        assert found[2] >= line[2]


def test_customary_band_when_free() -> None:
    layout = place_text_fields(io.BytesIO(official_draft().pdf), FieldLayout())
    assert layout.number_box == customary_number_box(PAGE) == (60.0, 741.89, 280.0, 759.89)
    assert layout.date_box == customary_date_box(PAGE)


def test_nearest_free_place_when_the_band_holds_text() -> None:
    draft = crowded_draft()
    layout = place_text_fields(io.BytesIO(draft.pdf), FieldLayout())
    assert layout.number_box is not None and layout.date_box is not None
    for box in (layout.number_box, layout.date_box):
        assert not any(intersects(box, line, 2.0) for line in draft.boxes), box
        assert box[3] - box[1] == FIELD_HEIGHT
        assert box[3] <= A4[1] and box[1] >= 0
        assert not intersects(box, layout.leader_box)
    assert not intersects(layout.number_box, layout.date_box)
    # nearest: just above the body (the top margin), not somewhere down the page
    assert layout.number_box[1] > 790 and layout.date_box[1] > 790


def test_given_boxes_are_kept_even_over_text() -> None:
    given = (72.0, 760.0, 292.0, 778.0)
    layout = place_text_fields(io.BytesIO(crowded_draft().pdf), FieldLayout(number_box=given))
    assert layout.number_box == given
    assert layout.date_box is not None and not intersects(layout.date_box, given)


def test_unreadable_text_keeps_the_customary_places() -> None:
    layout = place_text_fields(io.BytesIO(b"%PDF-1.7\nnot really"), FieldLayout())
    assert layout.number_box == customary_number_box(PAGE)


def test_a_full_page_keeps_the_preferred_box() -> None:
    preferred = (60.0, 742.0, 280.0, 760.0)
    assert free_box(preferred, [PAGE], PAGE) == preferred
    assert free_box(preferred, [], PAGE) == preferred
    moved = free_box(preferred, [(0.0, 735.0, 600.0, 770.0)], PAGE)
    assert moved[0] == preferred[0] or abs(moved[0] - preferred[0]) < 10
    assert moved[1] >= 772.0 or moved[3] <= 733.0


def test_the_incoming_stamp_leaves_the_letterhead_and_the_fields_readable() -> None:
    # The recipient's "ĐẾN" box was always drawn top right, over the national motto of
    # any letterhead that starts under a 14 pt margin: neither could be read.
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject

    from signing import INCOMING_BOX_SIZE, attachment_box, incoming_box

    draft = official_draft()
    margin = attachment_box(*A4, size=INCOMING_BOX_SIZE)
    assert any(intersects(margin, line) for line in draft.boxes)  # the old place

    # an issued copy: the number and date fields' stamps are annotations, not page text
    writer = PdfWriter(clone_from=io.BytesIO(draft.pdf))
    fields = [customary_number_box(PAGE), customary_date_box(PAGE)]
    for rect in fields:
        annot = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
        })
        writer.add_annotation(0, annot)
    issued = io.BytesIO()
    writer.write(issued)

    box = incoming_box(io.BytesIO(issued.getvalue()), margin)
    assert (box[2] - box[0], box[3] - box[1]) == INCOMING_BOX_SIZE
    assert not any(intersects(box, other) for other in [*draft.boxes, *fields])
    assert box[1] >= PAGE[1] and box[3] <= PAGE[3] and box[0] >= 0 and box[2] <= PAGE[2]
    # a page with room in its margin keeps the customary place
    blank = PdfWriter()
    blank.add_blank_page(*A4)
    empty = io.BytesIO()
    blank.write(empty)
    assert incoming_box(io.BytesIO(empty.getvalue()), margin) == margin
