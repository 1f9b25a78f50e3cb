"""Names inside an evidence bundle, shared by the builder and the offline checker."""

from __future__ import annotations

FORMAT = "docflow-evidence/2"
MANIFEST = "manifest.json"
#: Detached CMS over ``manifest.json``, by the system seal.
MANIFEST_SIGNATURE = "manifest.p7s"
EVENTS = "audit/events.jsonl"
#: An RFC 6962 audit path per event, up to the checkpoint's tree.
PROOFS = "audit/proofs.json"
CHECKPOINT = "audit/checkpoint.json"
CHECKPOINT_SIGNATURE = "audit/checkpoint.p7s"
CHECKPOINT_TIMESTAMP = "audit/checkpoint.tsr"
ANCHORS_DIR = "trust/anchors/"
CERTS_DIR = "trust/certs/"
CRLS_DIR = "trust/crls/"
OCSP_DIR = "trust/ocsp/"
DOCUMENTS_DIR = "documents/"
ATTACHMENTS_DIR = "attachments/"
REPORTS_DIR = "reports/"
README = "README.txt"


def document_member(version: int) -> str:
    return f"{DOCUMENTS_DIR}v{version}.pdf"


def report_member(version: int) -> str:
    return f"{REPORTS_DIR}v{version}.json"


def etsi_member(version: int) -> str:
    return f"{REPORTS_DIR}v{version}.etsi.xml"
