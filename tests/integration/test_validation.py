"""signing.validation against the dev PKI: every level passes (also with the AdES engine),
revoked and expired signers are named, the report and the ETSI XML report are complete."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

from signing.validation import (
    Coverage,
    Indication,
    ModificationKind,
    TrustConfig,
    async_etsi_xml_report,
    async_validate_pdf,
)
from tests.integration.test_validation_helpers import (
    LEVELS,
    dev_trust,
    sign_at,
    sign_with,
    text_pdf,
)
from tests.pki import (
    EXPIRED_AFTER,
    REVOKED_SINCE,
    DevPkiServices,
    pki_services,  # noqa: F401 - fixture
    simple_signer,
)

SIGNED_IN_TIME = datetime(2025, 6, 1, tzinfo=UTC)


def _trust_for(level: str, pki: DevPkiServices, **kw: object) -> TrustConfig:
    # B-B/B-T carry no revocation data: fetch it; B-LT/B-LTA must validate offline.
    online = level in ("B-B", "B-T")
    return dev_trust(allow_fetching=online, session=pki.session if online else None, **kw)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("label", ["stttt-leader", "stttt-leader-p256"])
async def test_each_level_passes_with_detected_level_and_ades(
    label: str,
    level: str,
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    signed = await sign_with(pki_services, label, level)
    report = await async_validate_pdf(
        signed, _trust_for(level, pki_services, ades_cross_check=True)
    )
    assert report.verdict is Indication.TOTAL_PASSED, report.to_json()
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED
    assert sig.sub_indication is None and sig.errors == ()
    assert sig.level == level
    assert sig.ades is not None and sig.ades["indication"] == "TOTAL_PASSED", sig.ades
    assert sig.signer is not None
    assert sig.signer.name == "Nguyễn Thị Hồng Nhung"
    assert sig.signer.organisation and "Thông tin và Truyền thông" in sig.signer.organisation
    assert sig.signing_time is not None
    assert (sig.best_signature_time is not None) == (level != "B-B")
    assert sig.digest_algorithm == "sha256"
    assert len(sig.certificate_chain) == 3  # signer, agency CA, root
    assert sig.revocation.status == "good"
    assert sig.revocation.source == ("fetched" if level in ("B-B", "B-T") else "embedded")
    if level == "B-LTA":
        assert sig.coverage is Coverage.ENTIRE_REVISION
        assert sig.modifications.kind is ModificationKind.LTA_UPDATES
        (ts,) = report.document_timestamps
        assert ts.indication is Indication.TOTAL_PASSED and ts.timestamp is not None
    elif level in ("B-B", "B-T"):
        assert sig.coverage is Coverage.ENTIRE_FILE
        assert sig.modifications.kind is ModificationKind.NONE
    assert report.revisions is not None and report.revisions >= 2


async def test_offline_b_t_fails_without_revocation_data_and_passes_with_given_crls(
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    from tests.pki import crl_der

    signed = await sign_with(pki_services, "stttt-seal", "B-T")
    offline = await async_validate_pdf(signed, dev_trust())
    assert offline.verdict is not Indication.TOTAL_PASSED
    assert offline.signatures[0].errors
    given = await async_validate_pdf(signed, dev_trust(crls=(crl_der("stttt"), crl_der("root"))))
    assert given.verdict is Indication.TOTAL_PASSED, given.to_json()
    assert given.signatures[0].revocation.source == "given"


async def test_revoked_signer_is_not_passed_and_names_the_revocation_date(
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    signed = await sign_with(pki_services, "revoked-signer", "B-T")
    report = await async_validate_pdf(signed, _trust_for("B-T", pki_services))
    (sig,) = report.signatures
    assert sig.indication is not Indication.TOTAL_PASSED
    assert sig.sub_indication in ("REVOKED_NO_POE", "REVOKED")
    assert sig.revocation.status == "revoked"
    assert sig.revocation.revocation_date == REVOKED_SINCE
    assert any("revoked on 2026-03-01" in e for e in sig.errors), sig.errors
    assert report.verdict is not Indication.TOTAL_PASSED


async def test_expired_signer_without_timestamp_is_out_of_bounds() -> None:
    signed = await sign_at("expired-signer", "B-B", SIGNED_IN_TIME)
    report = await async_validate_pdf(signed, dev_trust())
    (sig,) = report.signatures
    assert sig.indication is Indication.INDETERMINATE
    assert sig.sub_indication == "OUT_OF_BOUNDS_NO_POE"
    assert any("no timestamp proves" in e for e in sig.errors), sig.errors


async def test_expired_signer_with_timestamp_but_no_revocation_data_says_which(
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    signed = await sign_at("expired-signer", "B-T", SIGNED_IN_TIME)
    report = await async_validate_pdf(signed, _trust_for("B-T", pki_services))
    (sig,) = report.signatures
    assert sig.indication is not Indication.TOTAL_PASSED
    assert sig.best_signature_time == SIGNED_IN_TIME
    assert any("timestamp proves the signature existed" in e for e in sig.errors), sig.errors
    offline = (await async_validate_pdf(signed, dev_trust())).signatures[0]
    assert offline.sub_indication == "OUT_OF_BOUNDS_NO_POE"
    assert any("cannot be verified" in e for e in offline.errors), offline.errors


async def test_expired_signer_b_lta_made_in_time_passes_with_current_tsa_crl() -> None:
    """Signed and archived while valid (pyHanko's own B-LTA: no status added after its
    document timestamp); checked now, after expiry. Offline, nothing shows the timestamp's
    authority unrevoked since, and the report says so; the root's current CRL settles it."""
    from tests.pki import crl_der

    signed = await sign_at("expired-signer", "B-LTA", SIGNED_IN_TIME)
    offline = await async_validate_pdf(signed, dev_trust())
    assert offline.verdict is not Indication.TOTAL_PASSED
    assert any("issued after it" in e for e in offline.signatures[0].errors), offline.to_json()
    report = await async_validate_pdf(signed, dev_trust(crls=(crl_der("root"),)))
    (sig,) = report.signatures
    assert datetime.now(UTC) > EXPIRED_AFTER
    assert sig.indication is Indication.TOTAL_PASSED, sig.to_dict()
    assert sig.best_signature_time == SIGNED_IN_TIME
    assert any("proven signing time" in w for w in sig.warnings), sig.warnings
    assert sig.ades is not None and sig.ades["process"] == "LTA"


async def test_untrusted_root_is_no_certificate_chain_found(
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    signed = await sign_with(pki_services, "stttt-leader", "B-LT")
    report = await async_validate_pdf(signed, TrustConfig())
    (sig,) = report.signatures
    assert sig.indication is Indication.INDETERMINATE
    assert sig.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert report.document_timestamps == ()


async def test_sha1_is_reported_not_trusted(pki_services: DevPkiServices) -> None:  # noqa: F811
    try:
        signed = await sign_with(pki_services, "stttt-leader", "B-T", md_algorithm="sha1")
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"pyHanko refuses to sign with SHA-1 here: {exc}")
    report = await async_validate_pdf(signed, _trust_for("B-T", pki_services))
    (sig,) = report.signatures
    assert sig.indication is not Indication.TOTAL_PASSED
    assert sig.digest_algorithm == "sha1"
    assert any("reported, not trusted" in w for w in sig.warnings) or sig.errors


async def test_two_signatures_both_pass_and_first_sees_form_filling(
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    first = await sign_with(pki_services, "stttt-leader", "B-T", field="Leader")
    second = await sign_with(pki_services, "stttt-seal", "B-T", data=first, field="Seal")
    report = await async_validate_pdf(second, _trust_for("B-T", pki_services))
    assert [s.field_name for s in report.signatures] == ["Leader", "Seal"]
    assert report.verdict is Indication.TOTAL_PASSED, report.to_json()
    leader, seal = report.signatures
    assert leader.coverage is Coverage.ENTIRE_REVISION
    assert leader.modifications.kind in (
        ModificationKind.FORM_FILLING,
        ModificationKind.LTA_UPDATES,
    )
    assert seal.coverage is Coverage.ENTIRE_FILE


async def test_json_report_has_stable_keys(pki_services: DevPkiServices) -> None:  # noqa: F811
    signed = await sign_with(pki_services, "stttt-leader", "B-LTA")
    report = await async_validate_pdf(signed, dev_trust())
    data = json.loads(report.to_json())
    assert set(data) >= {
        "file_sha256",
        "file_size",
        "revisions",
        "verdict",
        "signatures",
        "document_timestamps",
        "validation_time",
        "errors",
        "warnings",
        "report_version",
        "signature_count",
        "encrypted",
    }
    sig = data["signatures"][0]
    assert set(sig) >= {
        "field_name",
        "indication",
        "sub_indication",
        "level",
        "signer",
        "signing_time",
        "best_signature_time",
        "coverage",
        "modifications",
        "certificate_chain",
        "revocation",
        "errors",
        "warnings",
        "digest_algorithm",
        "signature_algorithm",
    }
    assert set(sig["signer"]) >= {"name", "organisation", "certificate_serial", "issuer"}
    assert set(sig["revocation"]) >= {"source", "status", "fresh", "revocation_date"}
    assert data["verdict"] == "TOTAL_PASSED"
    import hashlib

    assert data["file_sha256"] == hashlib.sha256(signed).hexdigest()


async def test_etsi_xml_report(pki_services: DevPkiServices) -> None:  # noqa: F811
    signed = await sign_with(pki_services, "stttt-leader-p256", "B-LTA")
    xml = await async_etsi_xml_report(signed, dev_trust())
    assert xml.startswith(b"<?xml")
    assert b"SignatureValidationReport" in xml
    assert b"urn:etsi:019102:mainindication:total-passed" in xml
    assert b"urn:etsi:019102:validationprocess:LTA" in xml


async def test_source_may_be_path_or_stream(
    tmp_path: object,
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    from pathlib import Path

    signed = await sign_with(pki_services, "stttt-leader", "B-LT")
    path = Path(str(tmp_path)) / "signed.pdf"
    path.write_bytes(signed)
    by_path = await async_validate_pdf(path, dev_trust())
    by_stream = await async_validate_pdf(io.BytesIO(signed), dev_trust())
    assert by_path.file_sha256 == by_stream.file_sha256
    assert by_path.verdict is by_stream.verdict is Indication.TOTAL_PASSED


async def test_legacy_pkcs7_signature_is_not_pades(pki_services: DevPkiServices) -> None:  # noqa: F811
    meta = signers.PdfSignatureMetadata(
        field_name="Old", subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED
    )
    out = io.BytesIO()
    await signers.PdfSigner(meta, signer=simple_signer("vp-leader")).async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(text_pdf())), output=out
    )
    report = await async_validate_pdf(out.getvalue(), _trust_for("B-B", pki_services))
    (sig,) = report.signatures
    assert sig.level == "PKCS7-B"
    assert any("PKCS#7" in w for w in sig.warnings)


async def test_revoked_after_proven_signing_time_passes_with_warning(
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    """ETSI EN 319 102-1: a revocation after the proven (timestamped, archived) signing time
    does not invalidate the signature. The report still says the certificate is revoked."""
    signed = await sign_at("revoked-signer", "B-LTA", datetime(2026, 2, 1, tzinfo=UTC))
    online = dev_trust(allow_fetching=True, session=pki_services.session)
    report = await async_validate_pdf(signed, online)
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED, sig.to_dict()
    assert sig.revocation.status == "revoked"
    assert sig.revocation.revocation_date == REVOKED_SINCE
    assert any("after the proven signing time" in w for w in sig.warnings), sig.warnings


async def test_b_lt_validates_offline_long_after_signing(
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    """Once the embedded OCSP response is stale (it is good for a day), the signer's chain
    is checked as of the (trusted) signature timestamp with the file's revocation data. The
    timestamp itself needs its authority's revocation data to be current (given here)."""
    from datetime import timedelta

    from tests.pki import crl_der

    signed = await sign_with(pki_services, "vp-specialist", "B-LT")
    later = datetime.now(UTC) + timedelta(days=3)
    # The root's CRL of that day: the one embedded at signing runs out at the end of its
    # 30-day period (+1 day), which falls inside these 3 days for 2 days of every 30.
    report = await async_validate_pdf(
        signed, dev_trust(validation_time=later, crls=(crl_der("root", later),))
    )
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED, sig.to_dict()
    assert any("as of the signature timestamp" in w for w in sig.warnings), sig.warnings
    assert len(sig.certificate_chain) == 3

    much_later = datetime.now(UTC) + timedelta(days=400)
    stale = await async_validate_pdf(signed, dev_trust(validation_time=much_later))
    assert stale.verdict is not Indication.TOTAL_PASSED
    given = dev_trust(validation_time=much_later, crls=(crl_der("root", much_later),))
    report = await async_validate_pdf(signed, given)
    assert report.verdict is Indication.TOTAL_PASSED, report.to_json()


async def test_etsi_xml_report_covers_every_signature(
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    first = await sign_with(pki_services, "ubndct-leader", "B-LT", field="Leader")
    second = await sign_with(pki_services, "ubndct-seal", "B-LT", data=first, field="Seal")
    xml = await async_etsi_xml_report(second, dev_trust())
    assert xml.count(b"<vr:SignatureValidationReport>") == 2, xml[:2000]
    report = await async_validate_pdf(second, dev_trust())
    assert [s.signer.agency for s in report.signatures if s.signer] == [
        "Ủy ban nhân dân huyện Châu Thành"
    ] * 2
