"""CPU cost of each signing step of one document, in one process, after a warm-up:

    python -m bench.load.steps [--docs 10]

The leader's signature (B-T, server-side key here: the external flow costs the same
signing work), the check before issuing, number + date + seal, the arrival check the
delivery no longer repeats for docflow's own files, and the recipient's incoming stamp.
Demo configuration (dev PKI in-process, seal level as the settings default).

Then, for a certificate from each demo agency's CA, the preparation of a leader's
external signature and the check of a document that leader signed: what they cost can
depend on the CA (a signer info whose DER length ended in 0x80 cost every STC leader 5 s
of CPU to prepare until it was encoded once; see the README and ``bench.asn1_lengths``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _config(data: Path) -> Any:
    from docflow.bootstrap import build_runtime
    from docflow.core.settings import Settings

    return build_runtime(Settings.from_env({"DOCFLOW_DATA_DIR": str(data)})).signing


def _leader_signed(work: Path, n: int) -> Path:
    import signing
    from docflow.devpki import dev_signer, dev_timestamper

    async def run() -> Path:
        layout = signing.FieldLayout()
        fields, out = work / f"f{n}.pdf", work / f"s{n}.pdf"
        from tests.pki import tiny_pdf

        await signing.async_add_signature_fields(tiny_pdf(), fields, layout)
        key, cert, chain = dev_signer("stttt.leader")
        signer = await signing.async_load_signer(
            signing.PemSource(key=key, certificate=cert, chain=tuple(chain))
        )
        request = signing.SignRequest(level="B-T", field_name=layout.leader_field,
                                      timestamper=dev_timestamper())
        await signing.async_sign_pdf(fields, out, request, signer)
        return out

    return asyncio.run(run())


def _steps(config: Any, work: Path, n: int) -> dict[str, float]:
    from docflow.documents.issuance import DEFAULT_LEADER_BOX
    from docflow.documents.signing_jobs import job_fill_and_seal, job_validate
    from docflow.transfers.stamp_jobs import job_stamp_incoming, job_verify_report

    times: dict[str, float] = {}

    def timed(name: str, fn: Any, *args: Any) -> Any:
        started = time.process_time()
        out = fn(*args)
        times[name] = time.process_time() - started
        return out

    signed = timed("leader signature (B-T)", _leader_signed, work, n)
    timed("check before issuing", job_validate, str(signed), config, True)
    sealed = work / f"i{n}.pdf"
    timed("number, date and seal", job_fill_and_seal, str(signed), str(sealed),
          f"Số: {n:02d}/QĐ-STTTT", "Hậu Giang, ngày 30 tháng 11 năm 2026", "STTTT",
          "Sở Thông tin và Truyền thông", DEFAULT_LEADER_BOX, config)
    timed("arrival check (now skipped)", job_verify_report, str(sealed), config)
    timed("incoming stamp", job_stamp_incoming, str(sealed), str(work / f"r{n}.pdf"), "STC",
          None, "Sở Tài chính", n, datetime.now(UTC).isoformat(), config, False)
    return times


def _by_ca(config: Any, work: Path, tries: int) -> dict[str, dict[str, float]]:
    """Median CPU seconds, for a fresh P-256 leader certificate from each demo agency's
    dev CA (issued as enrolment issues them), of ``job_prepare`` and of the check
    (``job_validate``, as before issuing) of the signature once completed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    import signing
    from docflow.bootstrap import certificate_issuer
    from docflow.cli.demo import DEMO_AGENCIES
    from docflow.core.settings import Settings
    from docflow.documents.signing_jobs import job_complete, job_prepare, job_validate
    from tests.integration.documents_support import webcrypto_sign
    from tests.pki import tiny_pdf

    issuer = certificate_issuer(Settings.from_env({"DOCFLOW_DATA_DIR": str(work / "data")}))
    assert issuer is not None  # the demo configuration has the dev CAs
    layout = signing.FieldLayout()
    fields = work / "fields.pdf"
    asyncio.run(signing.async_add_signature_fields(tiny_pdf(), fields, layout))
    costs: dict[str, dict[str, float]] = {"prepare": {}, "check": {}}
    for agency in DEMO_AGENCIES:
        prepared, checked = [], []
        for n in range(tries):
            key = ec.generate_private_key(ec.SECP256R1())
            csr = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
                   .sign(key, hashes.SHA256()))
            cert = issuer.issue(csr, abbrev=agency.abbreviation, full_name="Nguyễn Văn An",
                                agency_name=agency.name)
            pem = cert.public_bytes(serialization.Encoding.PEM)
            started = time.process_time()
            placed = work / f"p-{agency.abbreviation}-{n}.pdf"
            state = job_prepare(str(fields), str(placed), pem, layout.leader_field,
                                "Nguyễn Văn An", config)
            prepared.append(time.process_time() - started)
            # completed as the browser does (WebCrypto's ECDSA: raw r || s)
            to_be_signed = base64.b64decode(json.loads(state)["to_be_signed"])
            signature = base64.b64encode(webcrypto_sign(key, to_be_signed)).decode()
            signed = work / f"v-{agency.abbreviation}-{n}.pdf"
            job_complete(str(placed), str(signed), state, signature, config)
            started = time.process_time()
            verdict = job_validate(str(signed), config)["verdict"]
            checked.append(time.process_time() - started)
            assert verdict != "INVALID", verdict
        costs["prepare"][agency.abbreviation] = statistics.median(prepared)
        costs["check"][agency.abbreviation] = statistics.median(checked)
    return costs


def main() -> None:
    import logging

    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = _config(work / "data")
        _steps(config, work, 0)  # warm-up: keys, CRLs, fonts
        runs = [_steps(config, work, n) for n in range(1, args.docs + 1)]
        by_ca = _by_ca(config, work, 3)
    print(f"{'step (CPU ms per document, median of ' + str(args.docs) + ')':<48}{'ms':>8}")
    for name in runs[0]:
        print(f"{name:<48}{1000 * statistics.median(r[name] for r in runs):>8.0f}")
    print(f"{'a leader of each CA (median 3)':<48}{'prepare':>8}{'check':>8}")
    for abbreviation, cost in by_ca["prepare"].items():
        check = by_ca["check"][abbreviation]
        print(f"{'  CA of ' + abbreviation:<48}{1000 * cost:>8.0f}{1000 * check:>8.0f}")


if __name__ == "__main__":
    main()
