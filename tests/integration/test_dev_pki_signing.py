"""The usage shown in tests/pki.py's docstring works: B-T, B-LT, offline validation."""

from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import DocumentSecurityStore, async_validate_pdf_signature

from tests.pki import (
    DevPkiServices,
    crl_der,
    offline_validation_context,
    pki_services,  # noqa: F401 - fixture
    root_cert,
    simple_signer,
    tiny_pdf,
)


async def _sign(label: str, pki: DevPkiServices, *, lt: bool) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name="Sig1",
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=lt,
        validation_context=pki.validation_context() if lt else None,
    )
    pdf_signer = signers.PdfSigner(meta, signer=simple_signer(label), timestamper=pki.timestamper())
    out = BytesIO()
    await pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(BytesIO(tiny_pdf())), output=out)
    return out.getvalue()


@pytest.mark.parametrize("label", ["stttt-leader", "stttt-leader-p256"])
async def test_b_t_validates_with_given_crls(
    label: str,
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    signed = await _sign(label, pki_services, lt=False)
    sig = PdfFileReader(BytesIO(signed), strict=True).embedded_signatures[0]
    vc = offline_validation_context(crls=[crl_der("stttt"), crl_der("root")])
    status = await async_validate_pdf_signature(sig, vc)
    assert status.bottom_line, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.valid


async def test_b_lt_validates_offline_from_dss(
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    signed = await _sign("stttt-seal-p256", pki_services, lt=True)
    reader = PdfFileReader(BytesIO(signed), strict=True)
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.crls or dss.ocsps
    vc = dss.as_validation_context(
        {"trust_roots": [root_cert()], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    status = await async_validate_pdf_signature(reader.embedded_signatures[0], vc)
    assert status.bottom_line, status.pretty_print_details()
