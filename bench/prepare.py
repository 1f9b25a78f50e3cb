"""Benchmark: the external signature's "prepare" step against pyHanko's plain one.

    PYTHONPATH=. .venv/bin/python bench/prepare.py [--repeat 100]

Each round issues a fresh P-256 personal certificate from the dev CA of stttt (as
``POST /api/v1/me/certificates`` does) and prepares a one-page PDF (its fields added by
``job_add_fields``) for it twice:

* docflow: ``docflow.documents.signing_jobs.job_prepare`` (dev TSA in-process), what the
  server runs when a leader presses "Ký";
* pyHanko plain: ``PdfSigner`` + ``ExternalSigner`` (zero signature value) +
  ``async_digest_doc_for_signing`` with the same timestamper, field and file.

Names vary from round to round (like people's and agencies' names), so the CMS length
sweeps through the values mod 256: a length ending in 0x80 once made asn1crypto
re-encode the whole CMS (15-50 s). Prints median/p90/max ms of both and their ratio.
Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/signing.py would shadow the signing package: the repository root comes first.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]


def _stats(ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(ms)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return statistics.median(ordered), p90, ordered[-1]


def _personal_cert(pki: Any, round_: int) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from docflow.devpki import dev_ca_issue

    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).sign(
        key, hashes.SHA256()
    )
    pad = round_ % 100
    issued = dev_ca_issue(
        csr,
        abbrev="stttt",
        full_name="Trần Quốc Bảo" + "x" * min(pad, 40),
        agency_name="Sở Thông tin và Truyền thông" + "y" * max(0, pad - 40),
        pki=pki,
    )
    return issued.public_bytes(serialization.Encoding.PEM)


async def _plain_prepare(src: Path, out: Path, cert_pem: bytes, chain: tuple[bytes, ...],
                         timestamper: Any) -> None:
    """pyHanko's documented external-signing preparation (no docflow code)."""
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def load(data: bytes) -> x509.Certificate:
        return x509.Certificate.load(pem.unarmor(data)[2])

    signer = signers.ExternalSigner(
        load(cert_pem),
        SimpleCertificateStore.from_certs([load(c) for c in chain]),
        signature_value=bytes(72),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKyLanhDao", subfilter=fields.SigSeedSubFilter.PADES
    )
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper)
    with open(src, "rb") as inp, open(out, "wb+") as output:
        await pdf_signer.async_digest_doc_for_signing(
            IncrementalPdfFileWriter(inp), output=output
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()

    from docflow.core.keys import SigningConfig, chain_for
    from docflow.devpki import configure, dev_timestamper
    from docflow.devpki.adapters import DevSealKeys, DevTimeStamping, DevTrust
    from docflow.devpki.pki import dev_pki_for
    from docflow.documents.signing_jobs import job_add_fields, job_prepare
    from tests.pki import tiny_pdf

    work = Path(tempfile.mkdtemp(prefix="bench-prepare-"))
    dev = {"url_prefix": "http://127.0.0.1:8000/dev-pki", "cache_dir": str(work / "pki")}
    pki = configure(dev_pki_for(dev["url_prefix"], Path(dev["cache_dir"])))
    config = SigningConfig(
        seal_keys=DevSealKeys(**dev), time_stamping=DevTimeStamping(**dev), trust=DevTrust(**dev)
    )
    raw, src = work / "raw.pdf", work / "fields.pdf"
    raw.write_bytes(tiny_pdf())
    job_add_fields(str(raw), str(src), {})

    def docflow_once(cert_pem: bytes) -> float:
        start = time.perf_counter()
        job_prepare(str(src), str(work / "d.pdf"), cert_pem, "ChuKyLanhDao", "X", config)
        return (time.perf_counter() - start) * 1000

    def plain_once(cert_pem: bytes) -> float:
        chain = chain_for(cert_pem, config)
        start = time.perf_counter()
        asyncio.run(_plain_prepare(src, work / "p.pdf", cert_pem, chain, dev_timestamper(pki)))
        return (time.perf_counter() - start) * 1000

    warm = _personal_cert(pki, 0)  # imports, fonts, the dev PKI's keys
    docflow_once(warm)
    plain_once(warm)

    docflow_ms: list[float] = []
    plain_ms: list[float] = []
    for i in range(args.repeat):
        cert_pem = _personal_cert(pki, i)
        docflow_ms.append(docflow_once(cert_pem))
        plain_ms.append(plain_once(cert_pem))
        if docflow_ms[-1] > 1000:
            print(f"  round {i}: docflow {docflow_ms[-1]:.0f} ms", flush=True)

    d, p = _stats(docflow_ms), _stats(plain_ms)
    print(f"external prepare, {args.repeat} fresh P-256 certificates, one-page PDF")
    print(f"{'':16}{'median':>10}{'p90':>10}{'max':>10}  (ms)")
    print(f"{'docflow':16}" + "".join(f"{v:10.1f}" for v in d))
    print(f"{'pyHanko plain':16}" + "".join(f"{v:10.1f}" for v in p))
    print(f"{'ratio d/p':16}" + "".join(f"{a / b:10.2f}" for a, b in zip(d, p, strict=True)))


if __name__ == "__main__":
    main()
