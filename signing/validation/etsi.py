"""The ETSI TS 119 102-2 XML validation report: pyHanko's AdES engine per signature, with
docflow's own verdict (the document's rules) where it fails a signature."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature

from signing._failures import CHECK_FAILED, MALFORMED, log_unexpected
from signing._failures import reason as _reason
from signing.validation._input import open_reader
from signing.validation.ades import process_for_level, run_ades
from signing.validation.engine import async_validate_pdf
from signing.validation.errors import UnreadablePdf
from signing.validation.model import DocumentReport, SignatureReport
from signing.validation.trust import TrustConfig

__all__ = ["async_etsi_xml_report", "etsi_xml_report"]

log = logging.getLogger(__name__)


async def async_etsi_xml_report(source: bytes | str, trust: TrustConfig) -> bytes:
    """ETSI TS 119 102-2 validation report (XML, UTF-8) for every ``/Sig`` signature in the
    file, produced by pyHanko's AdES engine (``ades_lta_validation`` + ``generate_report``).
    Signatures that cannot be processed are left out (the JSON report names them)."""
    from pyhanko.generated.etsi import ts_11910202 as ts
    from pyhanko.sign.validation.report import tools as report_tools
    from xsdata.formats.dataclass.serializers import XmlSerializer
    from xsdata.formats.dataclass.serializers.config import SerializerConfig

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    reader = open_reader(io.BytesIO(data))
    try:
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except MALFORMED as exc:
        raise UnreadablePdf(f"The file is not a readable PDF: {_reason(exc)}") from exc
    moment = trust.validation_time or datetime.now(UTC)
    # docflow's own verdict (the document's rules on top of the AdES engine) wins
    ours = await async_validate_pdf(data, trust.replace(validation_time=moment))
    verdicts = {s.field_name: s for s in ours.signatures}
    reports = []
    objects: dict[str, Any] = {}
    for fq_name, _obj, sig_field in fields:
        try:
            mine = verdicts.get(str(fq_name))
            found = await _signature_report(reader, fq_name, sig_field, trust, moment, mine, ours)
        except CHECK_FAILED as exc:
            log.info("AdES report: signature %s skipped: %s", fq_name, _reason(exc))
            continue
        except Exception as exc:  # the boundary: one signature never stops the report
            log_unexpected(exc, f"AdES report for {fq_name}")
            continue
        if found is not None:
            reports.append(found[0])
            objects.update(found[1])
    report = ts.ValidationReport(
        signature_validation_report=tuple(reports),
        signature_validation_objects=ts.ValidationObjectListType(tuple(objects.values())),
    )
    xml = XmlSerializer(config=SerializerConfig(indent="  ")).render(
        report, ns_map=report_tools.NAMESPACES
    )
    return xml.encode("utf-8")


async def _signature_report(
    reader: PdfFileReader,
    fq_name: str,
    sig_field: Any,
    trust: TrustConfig,
    moment: datetime,
    mine: SignatureReport | None,
    document: DocumentReport,
) -> tuple[Any, dict[str, Any]] | None:
    """One ``/Sig`` signature's report and its validation objects (by id); ``None`` for a
    document timestamp or a signature the AdES engine gives no status for."""
    from pyhanko.sign.validation.report import tools as report_tools

    emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
    if emb.sig_object_type != "/Sig":
        return None
    process = process_for_level(mine.level if mine is not None else None)
    result = await run_ades(emb, trust, moment, process)
    if result.api_status is None:
        return None
    generated = report_tools._generate_report(emb, result)
    objects = {}
    for vo in result.validation_objects:
        pkg = report_tools._package_validation_object(vo)
        objects[str(pkg.id)] = pkg
    return _with_docflow_verdict(generated, mine, document), objects


_MAIN = "urn:etsi:019102:mainindication:"
_SUB = "urn:etsi:019102:subindication:"


def _with_docflow_verdict(report: Any, ours: Any, document: Any) -> Any:
    """The AdES engine's report for one signature, failed (FORMAT_FAILURE) where docflow's
    document rules fail it, with each named change as ``AdditionalValidationReportData``
    (``Type`` = ``urn:docflow:finding:<code>``, ``Value`` = Vietnamese / English)."""
    from pyhanko.generated.etsi import ts_11910202 as ts

    findings = list(document.findings)
    if ours is not None:
        findings = list(ours.modifications.changes) + findings
    failed = findings and (ours is None or ours.indication.value == "TOTAL_FAILED")
    if not failed:
        return report
    data = ts.ValidationReportDataType(
        additional_validation_report_data=ts.AdditionalValidationReportDataType(
            report_data=tuple(
                ts.TypedDataType(
                    type_value=f"urn:docflow:finding:{f.code}", value=f"{f.vi} / {f.en}"
                )
                for f in findings
            )
        )
    )
    status = report.signature_validation_status or ts.ValidationStatusType()
    status = dataclasses.replace(
        status,
        main_indication=_MAIN + "total-failed",
        sub_indication=(_SUB + "FORMAT_FAILURE",),
        associated_validation_report_data=(*status.associated_validation_report_data, data),
    )
    return dataclasses.replace(report, signature_validation_status=status)


def etsi_xml_report(source: bytes | str, trust: TrustConfig) -> bytes:
    """Synchronous wrapper of :func:`async_etsi_xml_report`."""
    return asyncio.run(async_etsi_xml_report(source, trust))
