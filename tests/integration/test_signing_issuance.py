"""Issuance: fields before the leader signs; number, date and seal in ONE revision after;
the leader's signature still validates and is judged FORM_FILLING."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel

from signing import (
    FieldError,
    FieldLayout,
    SignRequest,
    add_signature_fields,
    async_fill_and_seal,
    async_sign_pdf,
    leader_appearance,
    seal_appearance,
    seal_box_for,
)
from tests.integration.test_signing_support import (
    assert_good,
    assert_pdfsig_valid,
    dev_signer,
    nss_db,  # noqa: F401 - fixture
    validate_signatures,
)
from tests.pki import DevPkiServices, pki_services, tiny_pdf  # noqa: F401 - fixture

NUMBER = "Số: 123/QĐ-STTTT"
DATE = "Hậu Giang, ngày 26 tháng 11 năm 2026"
AGENCY = "Sở Thông tin và Truyền thông tỉnh Hậu Giang"


def _revisions(data: bytes) -> int:
    return int(PdfFileReader(io.BytesIO(data), strict=False).xrefs.total_revisions)


@pytest.mark.parametrize("seal_field_first", [False, True], ids=["new-seal-field", "seal-field"])
async def test_fill_and_seal_keeps_leader_valid(
    seal_field_first: bool,
    pki_services: DevPkiServices,  # noqa: F811
    nss_db: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    layout = FieldLayout(seal_field="DauCoQuan" if seal_field_first else None)
    prepared, leader_signed, issued = (tmp_path / n for n in ("f.pdf", "l.pdf", "i.pdf"))
    fields = add_signature_fields(tiny_pdf(), prepared, layout)
    assert fields.field_names[-2:] == ("so_van_ban", "ngay_ban_hanh")

    now = datetime.now(UTC)
    await async_sign_pdf(
        prepared,
        leader_signed,
        SignRequest(
            level="B-T",
            field_name=layout.leader_field,
            appearance=leader_appearance("Nguyễn Thị Hồng Nhung", "Giám đốc", now),
            tsa_url=pki_services.tsa_url,
            http_session=pki_services.session,
        ),
        dev_signer("stttt-leader"),
    )
    seal_request = SignRequest(
        level="B-T",
        field_name="DauCoQuan",
        box=None if seal_field_first else seal_box_for(layout.leader_box),
        appearance=seal_appearance(AGENCY, now),
        tsa_url=pki_services.tsa_url,
        http_session=pki_services.session,
    )
    before = _revisions(leader_signed.read_bytes())
    await async_fill_and_seal(
        leader_signed, issued, NUMBER, DATE, seal_request, dev_signer("stttt-seal")
    )
    data = issued.read_bytes()
    assert data.startswith(leader_signed.read_bytes())
    assert _revisions(data) == before + 1  # number, date and seal: one revision

    leader, seal = await validate_signatures(data)
    assert leader.field_name == layout.leader_field and seal.field_name == "DauCoQuan"
    assert_good(leader)
    assert_good(seal)
    assert leader.status.modification_level == ModificationLevel.FORM_FILLING
    assert leader.status.docmdp_ok
    assert seal.status.modification_level == ModificationLevel.NONE

    values = {k: v.get("/V") for k, v in (pypdf.PdfReader(issued).get_fields() or {}).items()}
    assert values["so_van_ban"] == NUMBER
    assert values["ngay_ban_hanh"] == DATE
    assert_pdfsig_valid(data, tmp_path, nss_db, expected=2)


async def test_fields_missing_is_a_field_error(
    pki_services: DevPkiServices, tmp_path: Path  # noqa: F811
) -> None:
    request = SignRequest(level="B-B", field_name="DauCoQuan")
    with pytest.raises(FieldError, match="so_van_ban"):
        await async_fill_and_seal(
            tiny_pdf(), tmp_path / "x.pdf", NUMBER, DATE, request, dev_signer("stttt-seal")
        )
    assert list(tmp_path.iterdir()) == []


def test_duplicate_fields_refused(tmp_path: Path) -> None:
    add_signature_fields(tiny_pdf(), tmp_path / "a.pdf")
    with pytest.raises(FieldError):
        add_signature_fields(tmp_path / "a.pdf", tmp_path / "b.pdf")


async def test_issued_document_passes_docflow_validation(
    pki_services: DevPkiServices, tmp_path: Path  # noqa: F811
) -> None:
    """Cross-check with ``signing.validation``: leader B-T, then number + date + seal at
    B-LTA in one revision → TOTAL_PASSED, the leader's changes reported as form filling."""
    from signing import ModificationKind, TrustConfig, async_validate_pdf
    from tests.integration.test_signing_support import ROOT_PEM, all_crls
    from tests.pki import root_cert

    layout = FieldLayout()
    prepared, signed, issued = (tmp_path / n for n in ("f.pdf", "l.pdf", "i.pdf"))
    add_signature_fields(tiny_pdf(), prepared, layout)
    common = {"tsa_url": pki_services.tsa_url, "http_session": pki_services.session}
    await async_sign_pdf(
        prepared, signed, SignRequest(level="B-T", field_name=layout.leader_field, **common),
        dev_signer("stttt-leader-p256"),
    )
    await async_fill_and_seal(
        signed, issued, NUMBER, DATE,
        SignRequest(level="B-LTA", field_name="DauCoQuan",
                    box=seal_box_for(layout.leader_box), trust_roots=(ROOT_PEM,), **common),
        dev_signer("stttt-seal-p256"),
    )
    report = await async_validate_pdf(
        issued, TrustConfig(trust_anchors=(root_cert(),), crls=tuple(all_crls()))
    )
    assert report.verdict == "TOTAL_PASSED", report
    leader, seal = report.signatures
    assert leader.modifications.kind == ModificationKind.FORM_FILLING
    assert set(leader.modifications.changed_form_fields) >= {"so_van_ban", "ngay_ban_hanh"}
    assert seal.level == "B-LTA" and len(report.document_timestamps) == 1
