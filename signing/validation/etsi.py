"""The ETSI TS 119 102-2 XML validation report: pyHanko's AdES engine per signature, with
docflow's own verdict (the document's rules) where it fails a signature."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature

from signing.validation.ades import process_for_level, run_ades
from signing.validation.engine import async_validate_pdf
from signing.validation.errors import UnreadablePdf
from signing.validation.trust import TrustConfig

__all__ = ["async_etsi_xml_report", "etsi_xml_report"]

log = logging.getLogger(__name__)


async def async_etsi_xml_report(source: bytes | str, trust: TrustConfig) -> bytes:
    """ETSI TS 119 102-2 validation report (XML, UTF-8) for every ``/Sig`` signature in the
    file, produced by pyHanko's AdES engine (``ades_lta_validation`` + ``generate_report``).
    Signatures that cannot be processed are left out (the JSON report names them)."""
    import io

    from pyhanko.sign.validation.report import tools as report_tools
    from xsdata.formats.dataclass.serializers import XmlSerializer
    from xsdata.formats.dataclass.serializers.config import SerializerConfig

    data = source if isinstance(source, bytes) else open(source, "rb").read()  # noqa: SIM115
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:  # noqa: BLE001
        raise UnreadablePdf(f"The file is not a readable PDF: {exc}") from exc
    moment = trust.validation_time or datetime.now(UTC)
    # docflow's own verdict (the document's rules on top of the AdES engine) wins
    ours = await async_validate_pdf(data, trust.replace(validation_time=moment))
    verdicts = {s.field_name: s for s in ours.signatures}
    reports = []
    objects: dict[str, Any] = {}
    for fq_name, _obj, sig_field in fields:
        try:
            emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
            if emb.sig_object_type != "/Sig":
                continue
            mine = verdicts.get(str(fq_name))
            process = process_for_level(mine.level if mine is not None else None)
            result = await run_ades(emb, trust, moment, process)
            if result.api_status is None:
                continue
            generated = report_tools._generate_report(emb, result)
            reports.append(_with_docflow_verdict(generated, verdicts.get(str(fq_name)), ours))
            for vo in result.validation_objects:
                pkg = report_tools._package_validation_object(vo)
                objects[str(pkg.id)] = pkg
        except Exception:  # noqa: BLE001
            log.info("AdES report: signature %s skipped", fq_name, exc_info=True)
    from pyhanko.generated.etsi import ts_11910202 as ts

    report = ts.ValidationReport(
        signature_validation_report=tuple(reports),
        signature_validation_objects=ts.ValidationObjectListType(tuple(objects.values())),
    )
    xml = XmlSerializer(config=SerializerConfig(indent="  ")).render(
        report, ns_map=report_tools.NAMESPACES
    )
    return xml.encode("utf-8")


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
