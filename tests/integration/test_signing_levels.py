"""PAdES B-B / B-T / B-LT / B-LTA with RSA-2048 and ECDSA P-256 keys of the dev PKI,
validated by pyHanko offline (B-LT/B-LTA from what the file holds) and by poppler."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from signing import (
    InvalidPdfError,
    SignerLoadError,
    SignRequest,
    async_extend_to_lt,
    async_extend_to_lta,
    async_sign_pdf,
    leader_appearance,
)
from tests.integration.test_signing_support import (
    ROOT_PEM,
    assert_good,
    assert_pdfsig_valid,
    dev_signer,
    nss_db,  # noqa: F401 - fixture
    validate_signatures,
)
from tests.pki import DevPkiServices, pki_services, tiny_pdf  # noqa: F401 - fixture

LABELS = ["stttt-leader", "stttt-leader-p256"]
LEVELS = ["B-B", "B-T", "B-LT", "B-LTA"]


def request_for(level: str, pki: DevPkiServices, **kw: object) -> SignRequest:
    return SignRequest(
        level=level,  # type: ignore[arg-type]
        field_name="ChuKy",
        tsa_url=pki.tsa_url,
        http_session=pki.session,
        trust_roots=(ROOT_PEM,),
        reason="Phê duyệt",
        location="Hậu Giang",
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("level", LEVELS)
async def test_level_validates(
    label: str, level: str, pki_services: DevPkiServices, nss_db: str, tmp_path: Path  # noqa: F811
) -> None:
    out = tmp_path / "signed.pdf"
    original = tiny_pdf()
    appearance = leader_appearance("Nguyễn Thị Hồng Nhung", "Giám đốc", datetime.now(UTC))
    result = await async_sign_pdf(
        original,
        out,
        request_for(level, pki_services, box=(330, 120, 530, 200), appearance=appearance),
        dev_signer(label),
    )
    data = out.read_bytes()
    assert result.output_path == out and result.size == len(data)
    assert data.startswith(original)  # an incremental update, never a rewrite
    assert result.level == level and "Nguyễn Thị Hồng Nhung" in result.signer_subject

    checked = await validate_signatures(data, from_dss_only=level in ("B-LT", "B-LTA"))
    for c in checked:
        assert_good(c)
    reader = PdfFileReader(io.BytesIO(data), strict=True)
    sig = reader.embedded_regular_signatures[0]
    has_ts = checked[0].status.timestamp_validity is not None
    assert has_ts == (level != "B-B")
    if has_ts:
        assert checked[0].status.timestamp_validity.trusted
    assert ("/DSS" in reader.root) == (level in ("B-LT", "B-LTA"))
    assert len(reader.embedded_timestamp_signatures) == (1 if level == "B-LTA" else 0)
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert_pdfsig_valid(data, tmp_path, nss_db, expected=1)


async def test_invisible_bytes_in_stream_out(pki_services: DevPkiServices) -> None:  # noqa: F811
    out = io.BytesIO()
    await async_sign_pdf(tiny_pdf(), out, request_for("B-T", pki_services), dev_signer("stc-seal"))
    (checked,) = await validate_signatures(out.getvalue())
    assert_good(checked)


async def test_extend_bt_to_lt_and_lta(
    pki_services: DevPkiServices, nss_db: str, tmp_path: Path  # noqa: F811
) -> None:
    bt, lt, lta = tmp_path / "bt.pdf", tmp_path / "lt.pdf", tmp_path / "lta.pdf"
    await async_sign_pdf(tiny_pdf(), bt, request_for("B-T", pki_services), dev_signer("vp-leader"))
    await async_extend_to_lt(bt, lt, trust_roots=(ROOT_PEM,), http_session=pki_services.session)
    res = await async_extend_to_lta(
        lt, lta, tsa_url=pki_services.tsa_url, trust_roots=(ROOT_PEM,),
        http_session=pki_services.session,
    )
    assert res.signatures == ("ChuKy",)
    data = lta.read_bytes()
    assert data.startswith(lt.read_bytes()) and lt.read_bytes().startswith(bt.read_bytes())
    checked = await validate_signatures(data, from_dss_only=True)
    assert len(checked) == 2
    for c in checked:
        assert_good(c)
    assert_pdfsig_valid(data, tmp_path, nss_db, expected=1)


async def test_bt_without_tsa_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="time-stamping authority"):
        await async_sign_pdf(
            tiny_pdf(), tmp_path / "x.pdf", SignRequest(level="B-T"), dev_signer("vp-leader")
        )
    assert not (tmp_path / "x.pdf").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


async def test_not_a_pdf(tmp_path: Path) -> None:
    with pytest.raises(InvalidPdfError):
        await async_sign_pdf(b"hello", tmp_path / "x.pdf", SignRequest(level="B-B"),
                             dev_signer("vp-leader"))
    assert list(tmp_path.iterdir()) == []


def test_wrong_passphrase_is_readable() -> None:
    from signing import Pkcs12Source, load_signer
    from tests.pki import signer_p12

    with pytest.raises(SignerLoadError, match="passphrase is wrong"):
        load_signer(Pkcs12Source(signer_p12("stttt-seal", b"right"), passphrase="wrong"))


async def test_hybrid_xref_input_is_signed(
    pki_services: DevPkiServices, nss_db: str, tmp_path: Path  # noqa: F811
) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner

    from tests.integration.test_signing_support import hybrid_xref_pdf

    hybrid = hybrid_xref_pdf(tiny_pdf())
    plain = PdfSigner(PdfSignatureMetadata(field_name="X"), dev_signer("vp-leader"))
    with pytest.raises(Exception, match="hybrid"):  # what pyHanko does by default
        await plain.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(hybrid)))
    out = io.BytesIO()
    await async_sign_pdf(hybrid, out, request_for("B-T", pki_services), dev_signer("vp-leader"))
    assert out.getvalue().startswith(hybrid)
    # a strict reader refuses hybrid files outright; a lenient one validates the signature
    (checked,) = await validate_signatures(out.getvalue(), strict=False)
    assert_good(checked)
    assert_pdfsig_valid(out.getvalue(), tmp_path, nss_db, expected=1)
