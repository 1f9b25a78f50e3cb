"""Packages, keys and fixtures for the edXML tests (``docflow.exchange.edxml``).

``document_package()`` is a complete document package as docflow would export it;
``status_package()`` a status package; ``FIXTURES`` holds packages shaped like those of
real systems on the axis. Signing helpers use the dev PKI seal keys (``tests.pki``):
development keys only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from docflow.exchange.edxml import (
    VIETNAM_TIME,
    Attachment,
    AttachmentContent,
    Business,
    Code,
    DocumentPackage,
    DocumentType,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    TrustAnchors,
    make_document_id,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "edxml"

SENDER = Organization(
    organ_id="000.00.12.H30",
    name="Sở Thông tin và Truyền thông tỉnh Hậu Giang",
    organization_in_charge="UBND tỉnh Hậu Giang",
    address="Số 1, đường Điện Biên Phủ, TP. Vị Thanh",
    email="stttt@haugiang.gov.vn",
    telephone="02933 123456",
    website="stttt.haugiang.gov.vn",
)
RECIPIENTS = (
    Organization(organ_id="000.00.01.H30", name="Văn phòng UBND tỉnh Hậu Giang"),
    Organization(organ_id="000.00.00.G22", name="Bộ Thông tin và Truyền thông", fax="024 1"),
)
ISSUED = date(2025, 3, 14)


def pdf_bytes(size: int = 2_000) -> bytes:
    """Bytes that start like a PDF, ``size`` long (random: nothing compresses or repeats)."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    return head + os.urandom(max(0, size - len(head)))


def document_package(pdf: bytes | None = None, **changes: Any) -> DocumentPackage:
    """A document package with every element docflow writes."""
    main = AttachmentContent.from_bytes(pdf if pdf is not None else pdf_bytes())
    package = DocumentPackage(
        sender=SENDER,
        recipients=RECIPIENTS,
        document_id=make_document_id(SENDER.organ_id, ISSUED, "245", "STTTT-VP"),
        code=Code(number="245", notation="STTTT-VP"),
        promulgation=PromulgationInfo(place="Hậu Giang", date=ISSUED),
        document_type=DocumentType(type="1", detail="0", name="Công văn"),
        subject="Về việc triển khai kết nối liên thông văn bản điện tử <thử> & kiểm tra",
        content="Nội dung tóm tắt",
        signer=SignerInfo(
            competence="KT. GIÁM ĐỐC", position="PHÓ GIÁM ĐỐC", full_name="Nguyễn Thị Hồng Nhung"
        ),
        due_date=date(2025, 3, 31),
        to_places=("Như trên", "Lưu: VT"),
        other_info=OtherInfo(
            priority=2,
            sphere_of_promulgation="Lưu hành nội bộ",
            typer_notation="TVB",
            promulgation_amount=3,
            page_amount=2,
            direction=False,
            appendixes=("Phụ lục I", "Phụ lục II"),
        ),
        steering_type="0",
        response_for=ResponseFor(
            organ_id="000.00.00.G22",
            code="12/BTTTT-CĐSQG",
            promulgation_date=date(2025, 3, 1),
            document_id="000.00.00.G22,2025/03/01,12/BTTTT-CĐSQG",
        ),
        trace=TraceHeaderList(
            traces=(
                TraceHeader("000.00.12.H30", datetime(2025, 3, 14, 9, 15, 2, tzinfo=VIETNAM_TIME)),
            ),
            business=Business(
                doc_type=0,
                reason="Gửi mới",
                paper="0",
                staff=StaffInfo(department="Văn phòng", staff="Trần Văn Bình", mobile="0912"),
                replacements=(
                    ReplacementInfo("000.00.12.H30,2025/01/02,1/STTTT-VP", ("a.b.c.H30",)),
                ),
            ),
        ),
        attachments=(
            Attachment(
                content_id="cid:main",
                name="245-STTTT-VP.pdf",
                content_type="application/pdf",
                content=main,
                description="Văn bản chính",
            ),
            Attachment(
                content_id="cid:annex",
                name="phu-luc.zip",
                content_type="application/zip",
                content=AttachmentContent.from_bytes(b"PK\x03\x04" + os.urandom(300)),
            ),
        ),
    )
    return replace(package, **changes)


def status_package(**changes: Any) -> StatusPackage:
    package = StatusPackage(
        sender=RECIPIENTS[0],
        response_for=ResponseFor(
            organ_id=SENDER.organ_id,
            code="245/STTTT-VP",
            promulgation_date=ISSUED,
            document_id=make_document_id(SENDER.organ_id, ISSUED, "245", "STTTT-VP"),
        ),
        status_code="04",
        description="Lãnh đạo: Phân công xử lý",
        timestamp=datetime(2025, 3, 15, 14, 2, 40, tzinfo=VIETNAM_TIME),
        staff=StaffInfo(department="Văn phòng", staff="Lê Thị Cúc", email="cuc@vp.gov.vn"),
    )
    return replace(package, **changes)


# --------------------------------------------------------------------------- keys


def seal_source(label: str = "stttt-seal") -> Any:
    """A ``signing.PemSource`` for a dev seal key with its chain below the root."""
    import signing
    from tests.pki import chain_pems, signer_pem

    key, certificate = signer_pem(label)
    return signing.PemSource(key=key, certificate=certificate, chain=tuple(chain_pems(label)))


def dev_trust() -> TrustAnchors:
    """The dev root as the only trust anchor (the agency CA comes from KeyInfo)."""
    from tests.pki import root_cert

    return TrustAnchors.of([root_cert()])


def xmlsec1_verify(package: bytes, workdir: Path) -> subprocess.CompletedProcess[str]:
    """``xmlsec1 --verify`` of ``package`` trusting the dev root: an XML-DSig verifier
    that is not docflow's own (libxmlsec1 over OpenSSL)."""
    from asn1crypto import pem

    from tests.pki import root_cert
    from tests.services import require_tool

    tool = require_tool("xmlsec1", "xmlsec1")
    root = workdir / "root.pem"
    root.write_bytes(pem.armor("CERTIFICATE", root_cert().dump()))
    target = workdir / "package.edxml"
    target.write_bytes(package)
    return subprocess.run(
        [tool, "--verify", "--trusted-pem", str(root), str(target)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def have_xmlsec1() -> bool:
    return shutil.which("xmlsec1") is not None
