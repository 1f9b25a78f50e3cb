"""The duplicate key of a received package: what makes two packages "the same"."""

from __future__ import annotations

from datetime import datetime

from docflow.exchange import edxml
from docflow.exchange.imports import business_type, dedup_key

SENDER = edxml.Organization(organ_id="000.02.00.H30", name="STTTT")
DOC_ID = "000.02.00.H30,2026/02/05,01/QĐ-STTTT"


def _document(doc_type: int | None, sent: datetime | None = None) -> edxml.DocumentPackage:
    hops = (edxml.TraceHeader(organ_id=SENDER.organ_id, timestamp=sent),) if sent else ()
    trace = edxml.TraceHeaderList(traces=hops, business=edxml.Business(doc_type=doc_type))
    return edxml.DocumentPackage(
        sender=SENDER, recipients=(edxml.Organization(organ_id="000.03.00.H30"),),
        document_id=DOC_ID, trace=trace,
    )


def test_a_document_is_named_by_sender_id_and_business_type() -> None:
    assert dedup_key(_document(None)) == f"000.02.00.H30|{DOC_ID}|0"
    assert business_type(_document(3)) == 3


def test_a_recall_or_correction_is_named_by_its_sender_trace_time_too() -> None:
    first = datetime(2026, 2, 6, 9, 0, tzinfo=edxml.VIETNAM_TIME)
    again = datetime(2026, 2, 7, 10, 15, tzinfo=edxml.VIETNAM_TIME)
    assert dedup_key(_document(1, first)) == f"000.02.00.H30|{DOC_ID}|1|2026/02/06 09:00:00"
    # a second recall after a refusal is a new request, not a conflicting duplicate
    assert dedup_key(_document(1, again)) != dedup_key(_document(1, first))
    assert dedup_key(_document(2, first)) == f"000.02.00.H30|{DOC_ID}|2|2026/02/06 09:00:00"
    # the new document itself stays named without a time: a re-export is a conflict
    assert dedup_key(_document(0, first)) == dedup_key(_document(0, again))


def test_a_status_is_named_by_sender_id_code_and_time() -> None:
    status = edxml.StatusPackage(
        sender=edxml.Organization(organ_id="000.03.00.H30"),
        response_for=edxml.ResponseFor(document_id=DOC_ID),
        status_code="03",
        timestamp=datetime(2026, 2, 6, 8, 30, tzinfo=edxml.VIETNAM_TIME),
    )
    assert dedup_key(status) == f"000.03.00.H30|{DOC_ID}|03|2026/02/06 08:30:00"
