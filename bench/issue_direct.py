"""The direct side of ``bench/issue.py``: one document's signatures made by calling
``signing/`` in worker processes (fields, external prepare/complete at B-T, fill and
seal), no database, no store, no HTTP; and the helpers both sides use. Imported by
``bench/issue.py``, which puts the repository first on ``sys.path``."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def draft_pdf() -> bytes:
    from tests.pki import tiny_pdf

    return tiny_pdf()


def raw_ecdsa(key: Any, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# --------------------------------------------------------------------------- direct


def leader_cert_for(key_pem: bytes) -> bytes:
    """A certificate for the key from the dev CA of STTTT (as enrolment would give)."""
    from cryptography.hazmat.primitives import serialization

    from tests.integration.test_signing_external import issue_cert

    key = serialization.load_pem_private_key(key_pem, None)
    return issue_cert(key.public_key())  # type: ignore[union-attr]


_crls: tuple[bytes, ...] = ()


#: Where the seal's revocation data comes from on the direct side: ``given`` (the dev
#: CRLs handed in, nothing fetched) or ``fetched`` (CRLs and OCSP responses fetched at the
#: certificates' URLs and answered in-process by the dev PKI, as the server gathers them).
REVOCATION = ("given", "fetched")


def direct_one(
    work: str, key_pem: bytes, cert_pem: bytes, n: int, level: str, revocation: str = "given"
) -> None:
    """One document's signatures through ``signing/`` only (runs in a worker)."""
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives import serialization

    import signing
    from docflow.devpki import current, dev_crls, dev_signer, dev_timestamper, dev_trust_roots
    from docflow.devpki.fetch import DevPkiSession

    global _crls
    import logging

    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # "fetching is not allowed": intended
    if not _crls:  # built once per worker, as the server does
        _crls = tuple(dev_crls())

    async def run() -> None:
        d = Path(work) / f"d{n}"
        d.mkdir()
        layout = signing.FieldLayout()
        await signing.async_add_signature_fields(draft_pdf(), d / "f.pdf", layout)
        ts = dev_timestamper()
        now = datetime.now(UTC)
        request = signing.SignRequest(
            level="B-T",
            field_name=layout.leader_field,
            appearance=signing.leader_appearance("Trần Quốc Bảo", "", now),
            timestamper=ts,
        )
        ca = dev_signer("stttt")[2]
        prepared = await signing.async_prepare_external(
            d / "f.pdf", d / "p.pdf", cert_pem, request, chain=tuple(ca)
        )
        key = serialization.load_pem_private_key(key_pem, None)
        sig = raw_ecdsa(key, prepared.to_be_signed_bytes())
        await signing.async_complete_external(
            d / "p.pdf", d / "l.pdf", prepared, sig, timestamper=ts
        )
        k, c, chain = dev_signer("STTTT")
        seal = signing.load_signer(signing.PemSource(key=k, certificate=c, chain=tuple(chain)))
        box = signing.seal_box_for(layout.leader_box)
        sources: dict[str, Any] = (
            {"crls": _crls, "allow_fetching": False}
            if revocation == "given"
            else {"http_session": DevPkiSession(current()), "allow_fetching": True}
        )
        await signing.async_fill_and_seal(
            d / "l.pdf",
            d / "i.pdf",
            f"Số: {n:02d}/QĐ-STTTT",
            "Hậu Giang, ngày 26 tháng 11 năm 2026",
            signing.SignRequest(
                level=level,
                field_name="DauCoQuan",
                box=box,
                appearance=signing.seal_appearance(
                    "Sở Thông tin và Truyền thông", now, box_size=(box[2] - box[0], box[3] - box[1])
                ),
                timestamper=ts,
                trust_roots=tuple(dev_trust_roots()),
                **sources,
            ),
            seal,
        )

    asyncio.run(run())


def direct_rate(
    docs: int,
    concurrency: int,
    key_pem: bytes,
    cert_pem: bytes,
    level: str,
    revocation: str = "given",
) -> float:
    """Documents per second with ``concurrency`` documents in flight at a time (as many
    worker processes as that, at most one per core), like ``concurrency`` HTTP clients;
    the seal's revocation data as ``revocation`` says (:data:`REVOCATION`)."""
    workers = min(os.cpu_count() or 1, concurrency)
    with tempfile.TemporaryDirectory() as work, ProcessPoolExecutor(workers) as pool:
        warm = [
            pool.submit(direct_one, work, key_pem, cert_pem, 1000 + n, level, revocation)
            for n in range(workers)
        ]
        for f in warm:  # warm-up: imports, key parsing
            f.result()
        started = time.perf_counter()
        futures = [
            pool.submit(direct_one, work, key_pem, cert_pem, n, level, revocation)
            for n in range(docs)
        ]
        for f in futures:
            f.result()
        return docs / (time.perf_counter() - started)
