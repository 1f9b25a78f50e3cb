"""Deriving, ahead of need, what the dev PKI's first use would: every agency CA's and
seal's certificate (written to the disk cache, so every process reads it from there),
their keys, the TSA, the revocation list and the current CRLs. ``docflow.core.warm_up``
calls it through the dev adapters' ``warm()`` at ``docflow serve`` start-up."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docflow.core.warm_up import blank_pdf
from docflow.devpki.pki import AGENCIES, DevPki

__all__ = ["rehearse_seal", "warm_pki"]


def warm_pki(pki: DevPki) -> None:
    """Load what enrolment, sealing, time-stamping and validation read first."""
    from docflow.devpki import dev_crls, dev_tsa

    labels = ["root", "tsa"]
    for agency in AGENCIES:
        labels += [f"ca-{agency}", f"{agency}-seal", f"ocsp-{agency}"]
    for label in labels:
        pki.cert_der(label)
        pki.private_key(label)
    pki.revoked()
    dev_crls(pki=pki)
    dev_tsa(pki)


def rehearse_seal(source: Any, trust: Any, time_stamping: Any) -> None:
    """Seal a blank page at B-LT (dev TSA, revocation data answered in-process) with
    ``source`` and validate it against ``trust``; the files are thrown away."""
    import signing

    with tempfile.TemporaryDirectory(prefix="docflow-warm-up-") as tmp:
        out = Path(tmp) / "sealed.pdf"
        box = (60.0, 60.0, 260.0, 160.0)
        request = signing.SignRequest(
            level="B-LT", field_name="DauCoQuan", box=box,
            appearance=signing.seal_appearance("Sở Thông tin và Truyền thông", datetime.now(UTC),
                                               box_size=(box[2] - box[0], box[3] - box[1])),
            **time_stamping.sign_kwargs(), **trust.long_term_kwargs(),
        )
        signing.sign_pdf(blank_pdf(), out, request, signing.load_signer(source))
        signing.validate_pdf(out, trust.trust_config()).to_dict()
