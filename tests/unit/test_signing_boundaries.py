"""What the library promises at its edges when something unforeseen goes wrong inside:
a signing function raises only ``SigningError``, validation turns a signature it cannot
check into a failed entry, and either says so in ONE log line (no traceback)."""

from __future__ import annotations

import io
import logging

import pytest
from pyhanko.sign.signers.pdf_cms import Signer

import signing
from signing import PemSource, SigningError, SignRequest, load_signer, sign_pdf
from tests.pki import signer_pem
from tests.unit.test_validation import _blank_pdf


def _signer() -> Signer:
    key, crt = signer_pem("stttt-leader")
    return load_signer(PemSource(key, crt))


def _signed_pdf() -> bytes:
    out = io.BytesIO()
    sign_pdf(_blank_pdf(), out, SignRequest(level="B-B"), _signer())
    return out.getvalue()


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "signing" and r.levelno >= logging.WARNING]


def test_a_defect_while_validating_a_signature_is_a_failed_entry_and_one_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import signing.validation.engine as engine

    pdf = _signed_pdf()

    async def broken(*_args: object) -> None:
        raise RuntimeError("an unforeseen defect")

    monkeypatch.setattr(engine, "_validate_signature", broken)
    with caplog.at_level(logging.DEBUG, logger="signing"):
        report = signing.validate_pdf(pdf, signing.TrustConfig())
    (entry,) = report.signatures
    assert entry.indication is signing.Indication.INDETERMINATE
    assert any("an unforeseen defect" in e for e in entry.errors)
    assert not report.passed
    (warning,) = _warnings(caplog)
    assert "RuntimeError" in warning.getMessage() and warning.exc_info is None
    assert "\n" not in warning.getMessage()


def test_a_defect_while_signing_is_a_signing_error_and_one_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import signing.pades.sign as sign

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("an unforeseen defect")

    monkeypatch.setattr(sign, "sign_into", broken)
    with caplog.at_level(logging.DEBUG, logger="signing"), pytest.raises(SigningError) as info:
        sign_pdf(_blank_pdf(), io.BytesIO(), SignRequest(level="B-B"), _signer())
    assert "an unforeseen defect" in str(info.value)
    (warning,) = _warnings(caplog)
    assert "RuntimeError" in warning.getMessage() and warning.exc_info is None


def test_a_bad_input_is_a_readable_error_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="signing"), pytest.raises(SigningError) as info:
        sign_pdf(b"%PDF-1.7 not really", io.BytesIO(), SignRequest(level="B-B"), _signer())
    assert "not a readable PDF" in str(info.value)
    assert _warnings(caplog) == []
