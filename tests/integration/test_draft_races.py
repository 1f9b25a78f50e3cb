"""Signatures that race the drafter's and the leader's moves on a draft, over HTTP on
SQLite and PostgreSQL: a return or a withdrawal that commits while a signature's file is
being made wins, and the late signature, final or approval, is refused (409) and leaves
nothing on the draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.errors import ConflictError
from docflow.documents.models import Document, DocumentState
from docflow.documents.states import move_state
from tests.integration.documents_support import (
    enrol,
    login,
    p256_key,
    seeded_settings,
    sign,
    upload,
)
from tests.pki import tiny_pdf

RETURN_NOTE = "Đề nghị sửa trích yếu và bổ sung nơi nhận Sở Tài chính."


async def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_a_signature_that_lands_after_a_return_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    """The signature's final step read the draft before the leader's return committed:
    its move to ``signed`` is refused and the draft stays returned."""
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        drafter = await login(client, "stttt.specialist")
        leader = await login(client, "stttt.leader")
        doc_id = (await _json(await upload(client, drafter, tiny_pdf()), 201))["id"]
        await _json(await client.post(f"/api/v1/documents/{doc_id}/return",
                                      json={"comment": RETURN_NOTE}, headers=leader))
    runtime = build_runtime(settings)
    try:
        with pytest.raises(ConflictError):
            async with runtime.transaction() as session:
                stale = await session.get(Document, doc_id)
                assert stale is not None
                stale.state = DocumentState.DRAFT.value  # what the signing request read
                await move_state(session, stale, (DocumentState.DRAFT.value,),
                                 DocumentState.SIGNED.value)
        async with runtime.session() as session:
            kept = await session.get(Document, doc_id)
            assert kept is not None and kept.state == DocumentState.RETURNED.value
    finally:
        await runtime.dispose()


async def test_an_approval_that_lands_after_a_withdrawal_is_refused(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The approver's file is being signed when the drafter withdraws the draft: the
    approval is refused (409), and the withdrawn draft keeps its versions and its state,
    with no approval recorded on it."""
    import docflow.documents.signatures as signatures

    settings = await seeded_settings(database_url, tmp_path)
    real_run_job = signatures.run_job
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        drafter = await login(client, "stttt.specialist")
        approver = await login(client, "stttt.clerk")
        doc_id = (await _json(await upload(client, drafter, tiny_pdf(),
                                           approvers=["stttt.clerk"]), 201))["id"]
        key = p256_key()
        cert_id = await enrol(client, approver, key)

        async def withdrawn_meanwhile(*args: Any, **kwargs: Any) -> Any:
            result = await real_run_job(*args, **kwargs)
            if args[1] is signatures.job_complete:  # while the approval's file is signed
                other = build_runtime(settings)  # the drafter's withdrawal, committed
                try:
                    async with other.transaction() as session:
                        draft = await session.get(Document, doc_id)
                        assert draft is not None
                        await move_state(session, draft, (DocumentState.DRAFT.value,),
                                         DocumentState.WITHDRAWN.value)
                finally:
                    await other.dispose()
            return result

        monkeypatch.setattr(signatures, "run_job", withdrawn_meanwhile)
        late = await sign(client, approver, doc_id, key, cert_id)
        assert late.status_code == 409 and late.json()["code"] == "draft_changed", late.text
        kept = await _json(await client.get(f"/api/v1/documents/{doc_id}", headers=drafter))
        assert kept["state"] == "withdrawn"
        assert [v["produced_by"] for v in kept["versions"]] == ["upload", "fields"]
