"""signing.validation without services: input handling, typed errors, report shape."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import pem
from click.testing import CliRunner
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter

from docflow.cli.verify import render_text, verify_command
from signing import SigningError
from signing.validation import (
    Coverage,
    DocumentReport,
    Indication,
    ModificationKind,
    Modifications,
    RevocationInfo,
    SignatureReport,
    TrustConfig,
    UnreadablePdf,
    load_certificates,
    validate_pdf,
)


def _blank_pdf() -> bytes:
    w = PdfFileWriter()
    w.insert_page(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Page"),
                generic.NameObject("/MediaBox"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (0, 0, 595, 842)]
                ),
                generic.NameObject("/Resources"): generic.DictionaryObject(),
            }
        )
    )
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "data", [b"", b"not a pdf at all", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"]
)
def test_garbage_is_unreadable_pdf_with_one_line(data: bytes) -> None:
    with pytest.raises(UnreadablePdf) as info:
        validate_pdf(data, TrustConfig())
    assert isinstance(info.value, SigningError)
    assert str(info.value) and "\n" not in str(info.value)


def test_size_limit_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadablePdf, match="larger than"):
        validate_pdf(_blank_pdf(), TrustConfig(), max_bytes=100)
    with pytest.raises(UnreadablePdf, match="cannot be opened"):
        validate_pdf(tmp_path / "nope.pdf", TrustConfig())


def test_unsigned_pdf_is_not_passed_and_says_so() -> None:
    data = _blank_pdf()
    report = validate_pdf(io.BytesIO(data), TrustConfig())
    assert report.verdict is Indication.INDETERMINATE
    assert report.signatures == () and not report.passed
    assert report.errors == ("The document contains no signatures.",)
    assert report.file_sha256 == hashlib.sha256(data).hexdigest()
    assert report.file_size == len(data) and report.revisions == 1


def test_trust_config_is_frozen_and_loads_pem_and_der() -> None:
    from tests.pki import root_cert

    der = root_cert().dump()
    both = pem.armor("CERTIFICATE", der) + pem.armor("CERTIFICATE", der)
    assert [c.dump() for c in load_certificates(both)] == [der, der]
    assert load_certificates(der)[0].dump() == der
    trust = TrustConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        trust.allow_fetching = True  # type: ignore[misc]
    t2 = trust.replace(allow_fetching=True).with_anchors(root_cert())
    assert t2.allow_fetching and len(t2.trust_anchors) == 1 and trust.trust_anchors == ()
    assert trust.revocation_mode == "hard-fail"


def _sample_report() -> DocumentReport:
    sig = SignatureReport(
        field_name="Sig1",
        indication=Indication.TOTAL_FAILED,
        sub_indication="HASH_FAILURE",
        level="B-T",
        signer=None,
        signing_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        best_signature_time=None,
        coverage=Coverage.ENTIRE_FILE,
        modifications=Modifications(ModificationKind.NONE),
        certificate_chain=(),
        revocation=RevocationInfo(source="none", status="unknown"),
        digest_algorithm="sha256",
        signature_algorithm="sha256_rsa",
        errors=("The signed bytes were altered after signing.",),
    )
    return DocumentReport(
        file_sha256="00" * 32,
        file_size=10,
        revisions=2,
        verdict=Indication.TOTAL_FAILED,
        signatures=(sig,),
        document_timestamps=(),
        validation_time=datetime(2026, 11, 26, tzinfo=UTC),
    )


def test_json_is_stable_and_plain() -> None:
    report = _sample_report()
    text = report.to_json()
    assert text == report.to_json()
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["verdict"] == "TOTAL_FAILED" and data["report_version"] == 2
    sig = data["signatures"][0]
    assert sig["indication"] == "TOTAL_FAILED" and sig["sub_indication"] == "HASH_FAILURE"
    assert sig["coverage"] == "entire_file" and sig["modifications"]["kind"] == "none"
    assert sig["signing_time"] == "2026-01-02T03:04:05+00:00"


def test_render_text_names_everything() -> None:
    text = render_text(_sample_report(), "x.pdf")
    assert "Verdict: TOTAL_FAILED" in text
    assert "Sig1: TOTAL_FAILED / HASH_FAILURE" in text
    assert "Error: The signed bytes were altered after signing." in text


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"garbage")
    result = runner.invoke(verify_command, [str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(_blank_pdf())
    result = runner.invoke(verify_command, [str(unsigned), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["errors"] == ["The document contains no signatures."]
    result = runner.invoke(verify_command, [str(tmp_path / "missing.pdf")])
    assert result.exit_code == 2


def _self_signed(key: object) -> object:
    from datetime import timedelta

    from asn1crypto import x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Weak")])
    now = datetime.now(UTC)
    c = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))


def test_weak_keys_are_flagged() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from signing.validation._facts import weak_key_warning

    weak_rsa = _self_signed(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    assert "1024 bits" in (weak_key_warning(weak_rsa) or "")  # type: ignore[arg-type]
    weak_ec = _self_signed(ec.generate_private_key(ec.SECP224R1()))
    assert "224 bits" in (weak_key_warning(weak_ec) or "")  # type: ignore[arg-type]
    ok_ec = _self_signed(ec.generate_private_key(ec.SECP256R1()))
    assert weak_key_warning(ok_ec) is None  # type: ignore[arg-type]


def test_pathological_revision_count_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import signing.validation.engine as engine

    monkeypatch.setattr(engine, "MAX_REVISIONS", 0)
    report = validate_pdf(_blank_pdf(), TrustConfig())
    assert any("revisions" in e for e in report.errors)
    assert not report.passed
