"""No 500 on any input: numbers past the database's range (2^31 on PostgreSQL), wrong
JSON types in the metadata, JSON nested 5,000 deep or too large, a store that fails
mid-request; and answers that reveal nothing: identical 404s for another agency's
documents, /health without the store's path. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.runtime import Runtime
from storage import StoreUnavailable
from tests.integration.documents_support import (
    enrol,
    login,
    p256_key,
    prepare,
    seeded_settings,
    upload,
)
from tests.integration.routing_support import STC, issue_directly
from tests.pki import tiny_pdf

BIG = [2**31, 2**63, -(2**31) - 5, 10**30]


def _ids(path: str, value: int) -> str:
    return re.sub(r"\{[^}:]+:int\}", str(value), re.sub(r"\{[^}:]+:str\}", "x", path))


async def test_ids_past_the_database_range_answer_404_never_500(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    app = create_app(settings)
    routes = sorted(
        (method, route.path)
        for route in app.routes
        for method in getattr(route, "methods", ())
        if ":int}" in route.path and method not in ("HEAD", "OPTIONS")
    )
    assert len(routes) > 20
    wrong: list[str] = []
    async with AsyncTestClient(app=app) as client:
        headers = await login(client, "stttt.clerk")
        for method, path in routes:
            for value in BIG:
                answer = await client.request(method, _ids(path, value), json={},
                                              headers=headers)
                if answer.status_code != 404:
                    wrong.append(f"{method} {_ids(path, value)}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


NUMBERS_IN_QUERIES_AND_BODIES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/documents/1/file?version=2147483648", None),
    ("GET", "/api/v1/users?agency_id=2147483648", None),
    ("GET", "/api/v1/registers/outgoing?year=2147483648", None),
    ("GET", "/api/v1/registers/incoming?year=99999999999", None),
    ("GET", "/api/v1/registers/outgoing?year=2026&agency_id=-2147483649", None),
    ("GET", "/api/v1/audit/events?document_id=2147483648", None),
    ("GET", "/api/v1/audit/events?cursor=9223372036854775808", None),
    ("POST", "/api/v1/documents/1/signatures/prepare", {"certificate_id": 2**31}),
    ("POST", "/api/v1/transfers/1/assign", {"user_id": 2**31}),
    ("POST", "/api/v1/documents/1/correction",
     {"corrects_document_id": 2**63, "business_type": "replace"}),
    ("POST", "/api/v1/users", {"username": "x.y", "full_name": "Lê Thị Số", "roles": ["clerk"],
                               "password": "a-long-password", "department_id": 2**31}),
]


@pytest.mark.parametrize(("method", "path", "body"), NUMBERS_IN_QUERIES_AND_BODIES,
                         ids=[f"{m} {p}" for m, p, _ in NUMBERS_IN_QUERIES_AND_BODIES])
async def test_numbers_past_the_range_in_queries_and_bodies_answer_422(
    database_url: str, tmp_path: Path, method: str, path: str, body: dict[str, Any] | None
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings)) as client:
        who = "stttt.auditor" if "audit" in path else "stttt.admin" if "users" in path else (
            "stttt.clerk")
        answer = await client.request(method, path, json=body, headers=await login(client, who))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]


WRONG_TYPES = [
    (field, value)
    for field in ("document_type", "urgency", "confidentiality")
    for value in (["cong_van"], {"a": 1}, 7, None)
]


@pytest.mark.parametrize(
    ("field", "value"), WRONG_TYPES, ids=[f"{f}={v!r}" for f, v in WRONG_TYPES]
)
async def test_metadata_of_the_wrong_json_type_is_refused_with_a_reason(
    database_url: str, tmp_path: Path, field: str, value: Any
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings)) as client:
        answer = await upload(client, await login(client, "stttt.specialist"), tiny_pdf(),
                              **{field: value})
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"]


async def test_json_nested_5000_deep_or_too_large_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    deep = "[" * 5000 + "]" * 5000
    async with AsyncTestClient(app=create_app(settings)) as client:
        headers = await login(client, "stttt.leader")
        body = await client.post(
            "/api/v1/documents/1/signatures/prepare", content=deep.encode(),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert body.status_code == 400, body.text
        assert "deeper" in body.json()["detail"]
        form = await client.post(
            "/api/v1/documents",
            files={"file": ("d.pdf", tiny_pdf(), "application/pdf")},
            data={"metadata": '{"subject": ' + deep + "}"},
            headers=await login(client, "stttt.specialist"),
        )
        assert form.status_code == 422 and "deeper" in form.json()["detail"], form.text
        huge = await client.post(
            "/api/v1/documents/1/signatures/prepare",
            content=json.dumps({"certificate_id": 1, "pad": "x" * (2 << 20)}).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert huge.status_code == 413, huge.text


class FailingStore:
    """The real store, failing every read and write as an unreachable S3 server does."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailable("the object store did not answer (connection refused)")

    put_file = copy_to = open = _fail

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


async def test_a_store_failure_during_signature_preparation_is_a_503_with_a_reason(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    app = create_app(settings)
    served: Runtime = app.state.runtime
    async with AsyncTestClient(app=app) as client:
        created = await upload(client, await login(client, "stttt.specialist"), tiny_pdf())
        doc_id = created.json()["id"]
        leader = await login(client, "stttt.leader")
        cert_id = await enrol(client, leader, p256_key())
        object.__setattr__(served, "store", FailingStore(served.store))
        answer = await prepare(client, leader, doc_id, cert_id)
        assert answer.status_code == 503, answer.text
        assert "store" in answer.json()["detail"] and "try again" in answer.json()["detail"]
        clerk = await login(client, "stttt.clerk")
        download = await client.get(f"/api/v1/documents/{doc_id}/file", headers=clerk)
        assert download.status_code == 503, download.text


async def test_another_agencys_document_gets_the_answer_of_a_missing_one(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        theirs = await issue_directly(runtime, "STC", [STC])
    finally:
        await runtime.dispose()
    missing = 987654
    calls = [
        ("GET", "/api/v1/documents/{}", None),
        ("GET", "/api/v1/documents/{}/file", None),
        ("GET", "/api/v1/documents/{}/transfers", None),
        ("POST", "/api/v1/documents/{}/issue", None),
        ("POST", "/api/v1/documents/{}/dispatch", None),
        ("POST", "/api/v1/documents/{}/recall", {"reason": "Sai sót"}),
        ("POST", "/api/v1/documents/{}/correction",
         {"corrects_document_id": 1, "business_type": "replace"}),
        ("POST", "/api/v1/documents/{}/signatures/prepare", {"certificate_id": 1}),
    ]
    async with AsyncTestClient(app=create_app(settings)) as client:
        for who in ("stttt.clerk", "stttt.leader"):
            headers = await login(client, who)
            for method, path, body in calls:
                real = await client.request(method, path.format(theirs), json=body,
                                            headers=headers)
                gone = await client.request(method, path.format(missing), json=body,
                                            headers=headers)
                assert real.status_code == gone.status_code == 404, (path, real.text)
                assert real.json()["detail"].replace(str(theirs), "N") == gone.json()[
                    "detail"].replace(str(missing), "N"), (who, path, real.text, gone.text)


def test_register_exports_neutralise_formulas() -> None:
    import csv
    import io

    import openpyxl

    from docflow.documents.register_export import table_to_csv, table_to_xlsx

    rows = [['=HYPERLINK("http://evil.example","Xem")', "+84 tin", "-1", "@SUM(A1)",
             "\tx", "\rx", "Bình thường", 12]]
    csv_text = table_to_csv(["a"] * 8, rows).decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(csv_text)))[1]
    assert all(c.startswith("'") for c in cells[:6]), cells
    assert cells[6] == "Bình thường" and cells[7] == "12"
    book = openpyxl.load_workbook(io.BytesIO(
        table_to_xlsx(["a"] * 8, rows, title="Sổ", sheet_title="S", widths=[10] * 8)))
    values = [c for c in book.active.iter_rows(min_row=3, max_row=3)][0]
    assert all(c.data_type != "f" for c in values), [(c.value, c.data_type) for c in values]
    assert values[0].value.startswith("=HYPERLINK")  # shown as typed, as text
    assert values[0].quotePrefix


async def test_a_validation_refusal_logs_one_line_not_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    import signing
    from docflow.core.log import install_request_id_factory
    from tests.integration.test_corpus import CORPUS
    from tests.services import require

    hostile = CORPUS / "pades-lta-dss-indirect-arrs-test-2.pdf"
    require(hostile.exists(), f"the pyHanko corpus is not at {CORPUS}")
    install_request_id_factory()  # what create_app, the CLI and every worker install
    # (the CLI silences pyHanko's logger in its process: tests that ran it here did too)
    with caplog.at_level(logging.WARNING, logger="pyhanko"):
        await signing.async_validate_pdf(str(hostile), signing.TrustConfig())
    refusals = [r for r in caplog.records if r.name.startswith("pyhanko")]
    assert refusals, "the file is expected to make pyHanko log its refusals"
    assert all(r.exc_info is None for r in refusals)
    assert "Traceback" not in caplog.text
    assert any("Error:" in r.getMessage() for r in refusals)  # the reason stays, in one line


async def test_text_no_field_can_hold_is_refused_not_a_500(
    database_url: str, tmp_path: Path
) -> None:
    """Found by the schemathesis run: PostgreSQL's text cannot hold NUL, UTF-8 cannot
    hold half a surrogate pair."""
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings)) as client:
        for name in ("stc.clerk\u0000", "\ud8af\udede-x", "a\udcac"):
            # As JSON escapes (json.dumps' default): httpx would not encode them itself.
            body = json.dumps({"username": name, "password": "pw\ud800x"}).encode()
            answer = await client.post(
                "/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code in (401, 422), answer.text
        headers = await login(client, "stttt.clerk")
        reason = await client.post(
            "/api/v1/transfers/1/reject", json={"reason": "sai\u0000sót"}, headers=headers
        )
        assert reason.status_code == 422 and "NUL" in reason.json()["detail"], reason.text
        search = await client.get("/api/v1/inbox?q=a%00b", headers=headers)
        assert search.status_code == 422, search.text
        emoji = await client.get("/api/v1/inbox", params={"q": "hồ sơ 😀"}, headers=headers)
        assert emoji.status_code == 200, emoji.text
