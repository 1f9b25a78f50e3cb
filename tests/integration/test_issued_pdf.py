"""The issued PDF as a reader sees it, and the upload that makes it once.

- The number and date land where no body text is: in the customary header band when the
  draft leaves it free, else in the nearest free place; positions given in ``fields``
  are kept. Checked on the fields' rectangles against the draft's text boxes and on
  the page rendered by poppler's ``pdftoppm`` (the text is not clipped: descenders
  included). PNGs go to ``test-artifacts/issued/``.
- The download is named after the number and symbol (ASCII ``filename``, UTF-8
  ``filename*``).
- The same upload key with the same file makes one draft, sent one after the other or
  at the same moment.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from PIL import Image
from pypdf import PdfReader

from docflow.app import create_app
from signing.pades.placement import customary_date_box, customary_number_box, intersects
from tests.integration.documents_support import (
    enrol,
    login,
    metadata,
    p256_key,
    seeded_settings,
    sign,
    upload,
)
from tests.integration.stamp_support import DPI, render_png
from tests.official_pdf import A4, Box, crowded_draft, official_draft
from tests.pki import tiny_pdf

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "issued"
SCALE = DPI / 72
FONT_SIZE = 11  # of the number and date text
PAGE = (0.0, 0.0, *A4)


def field_rects(pdf: bytes) -> dict[str, Box]:
    rects = {}
    for annot in PdfReader(io.BytesIO(pdf)).pages[0].get("/Annots", []):
        widget = annot.get_object()
        if "/T" in widget:
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            rects[str(widget["/T"])] = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    return rects


def render(pdf: bytes, name: str, tmp_path: Path) -> Image.Image:
    return Image.open(render_png(pdf, name, tmp_path, ARTIFACTS)).convert("L")


def pixels(box: Box) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) in the rendered image, right and bottom exclusive."""
    x1, y1, x2, y2 = box
    return (
        round(x1 * SCALE),
        round((A4[1] - y2) * SCALE),
        round(x2 * SCALE),
        round((A4[1] - y1) * SCALE),
    )


def assert_text_whole_inside(img: Image.Image, box: Box, *, descenders: bool) -> None:
    """The field's text is drawn and clear of the field's edges: a clipped line (the
    descenders of 'ngày' cut off) runs right up to the edge where it is cut."""
    left, top, right, bottom = pixels(box)
    grown = img.crop((left - 3, top - 3, right + 3, bottom + 3))
    found = grown.point(lambda v: 255 if v < 200 else 0).getbbox()
    assert found is not None, f"nothing drawn in the field {box}"
    ink_left, ink_top, ink_right, ink_bottom = found  # in the grown crop, exclusive
    assert ink_top > 3 and ink_left > 3, f"text touches the field's top/left edge: {found}"
    assert ink_bottom < bottom - top + 3 - 1, f"text cut at the field's bottom: {found}"
    assert ink_right < right - left + 3, f"text cut at the field's right edge: {found}"
    if descenders:  # 'Hậu Giang, ngày': accents above, g and y below: ~0.9 em tall
        assert ink_bottom - ink_top >= 0.85 * FONT_SIZE * SCALE, f"descenders cut: {found}"


async def issue(client: AsyncTestClient, people: dict[str, Any], pdf: bytes) -> tuple[int, str]:
    created = await upload(client, people["specialist"], pdf)
    assert created.status_code == 201, created.text
    doc_id = int(created.json()["id"])
    signed = await sign(client, people["leader"], doc_id, people["key"], people["cert"])
    assert signed.status_code == 200, signed.text
    issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=people["clerk"])
    assert issued.status_code == 200, issued.text
    return doc_id, str(issued.json()["symbol"])


async def test_number_and_date_never_over_body_text(tmp_path: Path) -> None:
    settings = await seeded_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        people: dict[str, Any] = {
            "specialist": await login(client, "stttt.specialist"),
            "leader": await login(client, "stttt.leader"),
            "clerk": await login(client, "stttt.clerk"),
            "key": p256_key(),
        }
        people["cert"] = await enrol(client, people["leader"], people["key"])
        for name, draft in (("official", official_draft()), ("crowded", crowded_draft())):
            doc_id, symbol = await issue(client, people, draft.pdf)
            answer = await client.get(f"/api/v1/documents/{doc_id}/file", headers=people["clerk"])
            assert answer.status_code == 200
            pdf = answer.content
            rects = field_rects(pdf)
            number, date = rects["so_van_ban"], rects["ngay_ban_hanh"]
            for box in (number, date):
                assert box[3] - box[1] >= FONT_SIZE * 1.3, f"field too low for its text: {box}"
                hits = [line for line in draft.boxes if intersects(box, line)]
                assert not hits, f"{name}: field {box} lies over body text {hits}"
            assert not intersects(number, date)
            if name == "official":  # the customary band is free: the fields go there
                assert number == customary_number_box(PAGE)
                assert date == customary_date_box(PAGE)
            img = render(pdf, f"issued-{name}", tmp_path)
            assert_text_whole_inside(img, number, descenders=False)
            assert_text_whole_inside(img, date, descenders=True)
            assert symbol.endswith("/QĐ-STTTT")


async def test_fields_given_at_upload_keep_their_place(tmp_path: Path) -> None:
    settings = await seeded_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", tmp_path)
    box = [72.0, 760.0, 292.0, 778.0]  # over the crowded draft's second line, on purpose
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        created = await upload(client, specialist, crowded_draft().pdf, fields={"number_box": box})
        assert created.status_code == 201, created.text
        doc_id = created.json()["id"]
        answer = await client.get(f"/api/v1/documents/{doc_id}/file", headers=specialist)
        rects = field_rects(answer.content)
        assert rects["so_van_ban"] == tuple(box)
        date = rects["ngay_ban_hanh"]
        assert not any(intersects(date, line) for line in crowded_draft().boxes)
        assert not intersects(date, tuple(box))  # type: ignore[arg-type]


async def test_download_is_named_after_the_number_and_symbol(tmp_path: Path) -> None:
    settings = await seeded_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        people: dict[str, Any] = {
            "specialist": await login(client, "stttt.specialist"),
            "leader": await login(client, "stttt.leader"),
            "clerk": await login(client, "stttt.clerk"),
            "key": p256_key(),
        }
        people["cert"] = await enrol(client, people["leader"], people["key"])
        created = await upload(client, people["specialist"], tiny_pdf())
        draft_id = created.json()["id"]
        answer = await client.get(f"/api/v1/documents/{draft_id}/file", headers=people["clerk"])
        assert answer.headers["content-disposition"] == (
            f'attachment; filename="du-thao-{draft_id}-v2.pdf"'
        )
        doc_id, symbol = await issue(client, people, tiny_pdf())
        assert symbol == "01/QĐ-STTTT"
        answer = await client.get(f"/api/v1/documents/{doc_id}/file", headers=people["clerk"])
        assert answer.headers["content-disposition"] == (
            "attachment; filename=\"01-QD-STTTT.pdf\"; filename*=UTF-8''01-Q%C4%90-STTTT.pdf"
        )
        earlier = await client.get(
            f"/api/v1/documents/{doc_id}/file", params={"version": 2}, headers=people["clerk"]
        )
        assert 'filename="01-QD-STTTT-v2.pdf"' in earlier.headers["content-disposition"]


async def _send(client: AsyncTestClient, headers: dict[str, str], pdf: bytes, key: str) -> Any:
    return await client.post(
        "/api/v1/documents",
        files={"file": ("draft.pdf", pdf, "application/pdf")},
        data={"metadata": json.dumps(metadata()), "upload_key": key},
        headers=headers,
    )


async def test_the_same_upload_key_makes_one_draft(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        pdf = official_draft().pdf
        first = await _send(client, specialist, pdf, "form-nonce-0001-aaaa")
        again = await _send(client, specialist, pdf, "form-nonce-0001-aaaa")
        assert first.status_code == again.status_code == 201, (first.text, again.text)
        assert first.json()["id"] == again.json()["id"]

        other_file = await _send(client, specialist, tiny_pdf(), "form-nonce-0001-aaaa")
        assert other_file.status_code == 409, other_file.text
        assert "reload the page" in other_file.json()["detail"]
        bad = await _send(client, specialist, pdf, "x")
        assert bad.status_code == 422, bad.text

        # a double click that reached the server: two requests at the same moment
        both = await asyncio.gather(
            _send(client, specialist, pdf, "form-nonce-0002-bbbb"),
            _send(client, specialist, pdf, "form-nonce-0002-bbbb"),
        )
        assert [r.status_code for r in both] == [201, 201], [r.text for r in both]
        assert both[0].json()["id"] == both[1].json()["id"]

        # another form (another key), or none: another draft
        third = await _send(client, specialist, pdf, "form-nonce-0003-cccc")
        plain = await upload(client, specialist, pdf)
        ids = {first.json()["id"], both[0].json()["id"], third.json()["id"], plain.json()["id"]}
        assert len(ids) == 4
        clerk = await login(client, "stttt.clerk")
        for doc_id in ids:  # each is a whole draft, with its fields
            info = (await client.get(f"/api/v1/documents/{doc_id}", headers=clerk)).json()
            assert [v["produced_by"] for v in info["versions"]] == ["upload", "fields"]


async def test_a_lost_race_on_the_upload_key_answers_with_the_winner(
    database_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    """Two requests with one key that both found no draft yet: the database's unique
    index refuses the second draft and the second request answers with the first's."""
    from docflow.documents import api, upload_key

    settings = await seeded_settings(database_url, tmp_path)
    looked: list[str] = []

    async def blind_first(*args: Any) -> Any:
        looked.append("look")
        if len(looked) == 2:  # the second request's first look misses, as in a race
            return None
        return await upload_key.earlier_draft(*args)

    monkeypatch.setattr(api, "earlier_draft", blind_first)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        pdf = official_draft().pdf
        first = await _send(client, specialist, pdf, "form-nonce-0004-dddd")
        second = await _send(client, specialist, pdf, "form-nonce-0004-dddd")
        assert first.status_code == second.status_code == 201, (first.text, second.text)
        assert first.json()["id"] == second.json()["id"]
        assert len(looked) == 3  # the winner's, the blind one, and the one after the refusal
