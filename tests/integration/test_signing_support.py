"""Shared helpers for the signing tests (no tests here): dev-PKI signers, validation
with pyHanko straight from the file's contents, and poppler's ``pdfsig`` cross-check."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signing import PemSource, load_signer
from tests.pki import (
    AGENCIES,
    cert,
    chain_pems,
    crl_der,
    offline_validation_context,
    root_cert,
    signer_pem,
)
from tests.services import require_tool

ROOT_PEM = pem.armor("CERTIFICATE", root_cert().dump())


def dev_source(label: str) -> PemSource:
    """A PEM signer source for a dev PKI label, with its chain and root."""
    key_pem, cert_pem = signer_pem(label)
    return PemSource(key=key_pem, certificate=cert_pem, chain=(*chain_pems(label), ROOT_PEM))


def dev_signer(label: str) -> Any:
    return load_signer(dev_source(label))


def all_crls() -> list[bytes]:
    return [crl_der(a) for a in AGENCIES] + [crl_der("root")]


def offline_context(reader: PdfFileReader) -> Any:
    """``allow_fetching=False``, hard-fail: the DSS when the file has one, else CRLs."""
    if "/DSS" in reader.root:
        return DocumentSecurityStore.read_dss(reader).as_validation_context(
            {
                "trust_roots": [root_cert()],
                "other_certs": [cert(f"ca-{a}") for a in AGENCIES],
                "allow_fetching": False,
                "revocation_mode": "hard-fail",
            }
        )
    return offline_validation_context(crls=all_crls())


@dataclass
class Checked:
    field_name: str
    status: Any


async def validate_signatures(
    data: bytes, *, from_dss_only: bool = False, strict: bool = True
) -> list[Checked]:
    """Validate every signature (and document timestamp) as pyHanko sees it."""
    reader = PdfFileReader(io.BytesIO(data), strict=strict)
    if from_dss_only:
        assert "/DSS" in reader.root, "the file carries no DSS"
    out = []
    for sig in reader.embedded_signatures:
        context = offline_context(reader)
        if sig.sig_object_type == "/DocTimeStamp":
            status = await async_validate_pdf_timestamp(sig, validation_context=context)
        else:
            status = await async_validate_pdf_signature(sig, context)
        out.append(Checked(sig.field_name, status))
    return out


def assert_good(checked: Checked) -> None:
    st = checked.status
    assert st.intact, f"{checked.field_name}: not intact"
    assert st.valid, f"{checked.field_name}: not valid"
    assert st.trusted, f"{checked.field_name}: not trusted ({st.validation_path})"


@pytest.fixture(scope="session")
def nss_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh NSS database trusting the dev root (for ``pdfsig``)."""
    certutil = require_tool("certutil", "libnss3-tools")
    require_tool("pdfsig", "poppler-utils")
    db = tmp_path_factory.mktemp("nss")
    root = db / "root.pem"
    root.write_bytes(ROOT_PEM)
    subprocess.run([certutil, "-N", "--empty-password", "-d", f"sql:{db}"], check=True)
    subprocess.run(
        [certutil, "-A", "-n", "root", "-t", "CT,C,C", "-i", str(root), "-d", f"sql:{db}"],
        check=True,
    )
    return f"sql:{db}"


def pdfsig_report(path: Path, nss: str, *, ocsp: bool = False) -> list[tuple[str, str, str]]:
    """(signature type, signature line, certificate line) per signature ``pdfsig`` lists.
    ``ocsp``: let NSS ask the OCSP responders the certificates name (else ``-no-ocsp``)."""
    args = ["pdfsig", "-nssdir", nss, *([] if ocsp else ["-no-ocsp"]), str(path)]
    proc = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
    blocks = re.split(r"^Signature #\d+:", proc.stdout, flags=re.M)[1:]
    out = []
    for block in blocks:
        kind = re.search(r"Signature Type: (.*)", block)
        verdict = re.search(r"Signature Validation: (.*)", block)
        certificate = re.search(r"Certificate Validation: (.*)", block)
        out.append(
            (
                kind.group(1) if kind else "",
                verdict.group(1) if verdict else "",
                certificate.group(1) if certificate else "",
            )
        )
    return out


def pdfsig_verdicts(path: Path, nss: str) -> list[tuple[str, str]]:
    """(signature type, validation line) for each signature ``pdfsig`` lists."""
    return [(kind, sig) for kind, sig, _cert in pdfsig_report(path, nss)]


def assert_pdfsig_valid(
    data: bytes, tmp_path: Path, nss: str, expected: int, *, ocsp: bool = False
) -> None:
    """Every CMS signature (not document timestamps, which pdfsig cannot check) is valid and
    its certificate trusted by NSS with the dev root in its database."""
    path = tmp_path / "pdfsig-check.pdf"
    path.write_bytes(data)
    report = pdfsig_report(path, nss, ocsp=ocsp)
    cms = [(sig, cert) for kind, sig, cert in report if kind != "unknown"]
    assert len(cms) == expected, report
    assert all(sig == "Signature is Valid." for sig, _ in cms), report
    assert all(cert == "Certificate is Trusted." for _, cert in cms), report


def hybrid_xref_pdf(base: bytes) -> bytes:
    """``base`` plus an update with a hybrid cross-reference section (classic table +
    ``/XRefStm``), as some Word exports write."""
    import struct

    prev = int(base.rsplit(b"startxref", 1)[1].split()[0])
    size = int(base.split(b"/Size", 1)[1].split()[0].rstrip(b">"))
    out = bytearray(base)
    n_info, n_xs = size, size + 1
    info_off = len(out)
    out += b"%d 0 obj\n<< /Producer (Hybrid export) >>\nendobj\n" % n_info
    rows = struct.pack(">BIH", 1, info_off, 0)
    xs_off = len(out)
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%d 1] /Length %d >>\nstream\n"
        % (n_xs, n_xs + 1, n_info, len(rows))
    ) + rows + b"\nendstream\nendobj\n"
    xref_off = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (n_xs, xs_off)
    out += (
        b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R /Prev %d /XRefStm %d >>\n"
        b"startxref\n%d\n%%%%EOF\n" % (n_xs + 1, n_info, prev, xs_off, xref_off)
    )
    return bytes(out)
