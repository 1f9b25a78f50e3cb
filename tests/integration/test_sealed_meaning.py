"""A sealed document means what it said: every change an attacker can make after the
signatures fails ``docflow verify`` (exit 1) with the change named; every legitimate
flow (approver, leader, number/date + seal, incoming stamp) still passes.

Documents are built the way docflow builds them (fields and locks in the first revision,
approver and leader at B-T, number/date filled in the seal's own revision at the level
under test), and signed with the dev PKI in-process.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import signing
from docflow.cli.verify import verify_command
from docflow.devpki import dev_signer, dev_timestamper, dev_trust_roots
from docflow.devpki.fetch import DevPkiSession
from docflow.devpki.pki import dev_pki_for
from tests.attacks import (
    ATTACKS,
    add_painting_signature_field,
    append_object_after_eof,
    change_field_value,
    fill_empty_field,
    with_text_fields,
)
from tests.integration.test_validation_helpers import text_pdf

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
LEADER_BOX = (330.0, 120.0, 530.0, 200.0)
_built: dict[tuple[str, str], bytes] = {}


def _source(name: str) -> signing.PemSource:
    key, cert, chain = dev_signer(name, dev_pki_for())
    return signing.PemSource(key=key, certificate=cert, chain=tuple(chain))


def _request(level: str, field: str, **kw: object) -> signing.SignRequest:
    extra: dict[str, object] = {}
    if level != "B-B":
        extra["timestamper"] = dev_timestamper(dev_pki_for())
    if level in ("B-LT", "B-LTA"):
        extra.update(
            trust_roots=tuple(dev_trust_roots(dev_pki_for())),
            http_session=DevPkiSession(dev_pki_for()),
            allow_fetching=True,
        )
    return signing.SignRequest(level=level, field_name=field, **extra, **kw)  # type: ignore[arg-type]


async def _sign(data: bytes, who: str, request: signing.SignRequest) -> bytes:
    out = io.BytesIO()
    await signing.async_sign_pdf(data, out, request, await signing.async_load_signer(_source(who)))
    return out.getvalue()


async def sealed_document(level: str) -> bytes:
    """Approver, leader, then number + date + seal at ``level`` (docflow's issuance)."""
    if ("sealed", level) in _built:
        return _built[("sealed", level)]
    fields = io.BytesIO()
    layout = signing.FieldLayout(leader_box=LEADER_BOX, approver_fields=("PheDuyet1",))
    signing.add_signature_fields(text_pdf("Quyet dinh so 15", pages=2), fields, layout)
    approved = await _sign(fields.getvalue(), "stttt.specialist", _request("B-T", "PheDuyet1"))
    now = datetime.now(UTC)
    leader = _request(
        "B-T",
        "ChuKyLanhDao",
        appearance=signing.leader_appearance("Nguyễn Thị Hồng Nhung", "Giám đốc", now),
    )
    signed = await _sign(approved, "stttt.leader", leader)
    box = signing.seal_box_for(LEADER_BOX)
    seal = _request(
        level,
        "DauCoQuan",
        box=box,
        appearance=signing.seal_appearance(
            "Sở Thông tin và Truyền thông tỉnh Hậu Giang",
            now,
            box_size=(box[2] - box[0], box[3] - box[1]),
        ),
    )
    out = io.BytesIO()
    await signing.async_fill_and_seal(
        signed,
        out,
        "Số: 07/QĐ-STTTT",
        "Hậu Giang, ngày 30 tháng 11 năm 2026",
        seal,
        await signing.async_load_signer(_source("STTTT")),
    )
    _built[("sealed", level)] = out.getvalue()
    return out.getvalue()


async def form_document(level: str, *, locked: bool = True) -> bytes:
    """An agency's own form (one filled field, one empty) signed as ``docflow sign`` does
    (``locked``: a FieldMDP lock over the existing fields) or as another tool might."""
    key = ("form-locked" if locked else "form-open", level)
    if key not in _built:
        form = with_text_fields(text_pdf("To khai"), {"ho_ten": "Nguyen Van A"}, ("ghi_chu",))
        request = _request(level, "ChuKy", lock_existing_fields=locked)
        _built[key] = await _sign(form, "stttt.leader", request)
    return _built[key]


async def verify(tmp_path: Path, data: bytes, *args: str) -> tuple[int, str]:
    """``docflow verify FILE`` (its own event loop, so in a thread): exit code and output."""
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    result = await asyncio.to_thread(CliRunner().invoke, verify_command, [str(path), *args])
    return result.exit_code, result.output


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
async def test_the_sealed_document_passes_at_every_level(level: str, tmp_path: Path) -> None:
    # B-B and B-T carry no revocation data: checked with current data (--online)
    online = ("--online",) if level in ("B-B", "B-T") else ()
    code, out = await verify(tmp_path, await sealed_document(level), *online)
    assert code == 0, out
    assert "Verdict: TOTAL_PASSED (3 signature(s))" in out


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("attack", sorted(ATTACKS))
async def test_changing_a_sealed_document_fails_and_names_the_change(
    attack: str, level: str, tmp_path: Path
) -> None:
    change, words = ATTACKS[attack]
    code, out = await verify(tmp_path, change(await sealed_document(level)))
    assert code == 1, out
    assert "TOTAL_PASSED (3" not in out
    for word in words:
        assert word in out, (word, out)


_FORM_ATTACKS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "filled value changed": (
        lambda d: change_field_value(d, "ho_ten", "Tran Van B"),
        "ho_ten",
    ),
    "empty field filled over a line": (
        lambda d: fill_empty_field(d, "ghi_chu", "Da duyet chi 500 trieu"),
        "ghi_chu",
    ),
    "empty field filled, widget without /P": (
        lambda d: fill_empty_field(d, "ghi_chu", "Da duyet", keep_page_link=False),
        "ghi_chu",
    ),
    "new signature field paints text": (add_painting_signature_field, "new signature field"),
    "object after %%EOF": (append_object_after_eof, "appended"),
}


@pytest.mark.slow
@pytest.mark.parametrize("locked", [True, False], ids=["locked", "no-lock"])
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("attack", sorted(_FORM_ATTACKS))
async def test_changing_a_signed_form_fails_with_or_without_a_lock(
    attack: str, level: str, locked: bool, tmp_path: Path
) -> None:
    original = await form_document(level, locked=locked)
    online = ("--online",) if level in ("B-B", "B-T") else ()
    code, out = await verify(tmp_path, original, *online)
    assert code == 0, out
    change, named = _FORM_ATTACKS[attack]
    code, out = await verify(tmp_path, change(original), *online)
    assert code == 1, out
    assert named in out, out


async def test_findings_come_in_vietnamese_and_english(tmp_path: Path) -> None:
    import json

    tampered = ATTACKS["number rewritten after the seal"][0](await sealed_document("B-LT"))
    code, out = await verify(tmp_path, tampered, "--json")
    assert code == 1
    report = json.loads(out)
    seal = next(s for s in report["signatures"] if s["field_name"] == "DauCoQuan")
    (change,) = [c for c in seal["modifications"]["changes"] if c["code"] == "field_changed"]
    assert change["field"] == "so_van_ban" and change["revision"] is not None
    assert change["en"].startswith("The number field (so_van_ban) was changed after this signature")
    assert change["vi"].startswith("Trường số văn bản (so_van_ban) đã bị thay đổi sau chữ ký này")


async def test_an_incoming_stamp_after_the_seal_keeps_every_signature(tmp_path: Path) -> None:
    """A recipient agency's "ĐẾN" stamp is a new visible signature field filled, in the same
    revision, with that agency's valid seal signature: allowed after every lock."""
    now = datetime.now(UTC)
    stamp = _request(
        "B-LTA",
        "DauDen",
        box=signing.attachment_box(595, 842, size=signing.INCOMING_BOX_SIZE),
        appearance=signing.incoming_appearance("Ủy ban nhân dân tỉnh Hậu Giang", 12, now),
    )
    stamped = await _sign(await sealed_document("B-LTA"), "UBND", stamp)
    code, out = await verify(tmp_path, stamped)
    assert code == 0, out
    assert "Verdict: TOTAL_PASSED (4 signature(s))" in out


async def test_stock_pyhanko_calls_a_painting_signature_field_form_filling() -> None:
    """Where docflow and pyHanko's own policy differ (README): pyHanko's analysis judges a
    new unsigned signature field that paints on the page mere form filling."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel

    tampered = add_painting_signature_field(await sealed_document("B-T"))
    reader = PdfFileReader(io.BytesIO(tampered))
    seal = next(s for s in reader.embedded_regular_signatures if s.field_name == "DauCoQuan")
    seal.compute_integrity_info()
    assert seal.diff_result.modification_level == ModificationLevel.FORM_FILLING


async def test_the_etsi_report_fails_the_change_and_names_it() -> None:
    """The ETSI TS 119 102-2 XML says what the JSON says: failed, with the change."""
    from docflow.cli.verify import default_trust

    tampered = ATTACKS["number rewritten after the seal"][0](await sealed_document("B-LT"))
    xml = (await signing.async_etsi_xml_report(tampered, default_trust())).decode()
    assert "urn:etsi:019102:mainindication:total-passed" not in xml
    assert xml.count("urn:etsi:019102:mainindication:total-failed") == 3
    assert "urn:docflow:finding:field_changed" in xml
    assert "Trường số văn bản (so_van_ban) đã bị thay đổi" in xml
    untouched = await signing.async_etsi_xml_report(await sealed_document("B-LT"), default_trust())
    assert untouched.decode().count("urn:etsi:019102:mainindication:total-passed") == 3


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
async def test_the_dss_holds_only_the_chains_of_the_documents_signatures(level: str) -> None:
    """The validation data of the approver's, the leader's and the seal's chains (all of
    STTTT) and of the TSA: no other agency's CRL or OCSP response rides along."""
    from asn1crypto import crl, ocsp
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    reader = PdfFileReader(io.BytesIO(await sealed_document(level)))
    dss = DocumentSecurityStore.read_dss(reader)
    crl_issuers = {
        crl.CertificateList.load(ref.get_object().data)["tbs_cert_list"]["issuer"].native[
            "common_name"
        ]
        for ref in dss.crls
    }
    responders = set()
    for ref in dss.ocsps:
        basic = ocsp.OCSPResponse.load(ref.get_object().data).basic_ocsp_response
        certs = basic["certs"] or []
        responders.add(certs[0].subject.native["common_name"] if certs else "root itself")
    allowed = {
        "Cơ quan chứng thực số Chính phủ (DEV)",
        "CA STTTT (DEV)",
        "OCSP STTTT (DEV)",
        "root itself",
    }
    assert crl_issuers | responders, "no revocation data at all"
    assert crl_issuers | responders <= allowed, (crl_issuers, responders)
