"""Exchange routes: an issued document as a signed edXML package, and receiving one.

``POST /api/v1/exchange/packages`` takes the raw package (``application/xml``, at most
``edxml.DEFAULT_MAX_PACKAGE_BYTES``, streamed to a temporary file) from a peer, named by
its bearer token (``Authorization: Bearer <token>``, matched by SHA-256 to
``ExchangePeer.inbound_token_sha256``), or from a signed-in clerk (or administrator) of
a recipient agency who got the file by other means; ``allow_unsigned=true`` is an
administrator's choice only. 201 with what was created, 200 with the same answer for a
package received before, 409 for other bytes under the same identity, 422 with every
coded problem (``extra``), never a 500 for what the package contains. Every refusal is
recorded (``exchange.package_refused``) in its own transaction."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Stream
from sqlmodel import select

from docflow.accounts.api_auth import sign_in_check
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, DomainError, PermissionDenied
from docflow.core.runtime import Runtime
from docflow.documents.reading import load_for_issuer_side
from docflow.exchange import edxml
from docflow.exchange.export import document_package, record_export
from docflow.exchange.export_names import ascii_filename
from docflow.exchange.imports import PackageRejected, Receiving, receive_package
from docflow.exchange.models import ExchangePeer

__all__ = ["EXCHANGE_HANDLERS"]

CHUNK = 1 << 20


async def _stream_then_remove(path: Path) -> AsyncIterator[bytes]:
    try:
        handle = await anyio.to_thread.run_sync(path.open, "rb")
        try:
            while block := await anyio.to_thread.run_sync(handle.read, CHUNK):
                yield block
        finally:
            handle.close()
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


@get(
    "/api/v1/documents/{document_id:int}/edxml",
    tags=["exchange"],
    summary="The issued document as an edXML package signed with the agency seal",
    media_type="application/xml",
)
async def get_document_edxml(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> Stream:
    """For the issuing agency's side only (the document read rule); 409 before issuance."""
    document = await load_for_issuer_side(db_session, principal, document_id, what="edxml")
    fd, name = tempfile.mkstemp(prefix="docflow-edxml-", suffix=".edxml")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            exported = await document_package(
                db_session, document, store=runtime.store, signing=runtime.signing, out=out
            )
        await record_export(db_session, principal, exported)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return Stream(
        _stream_then_remove(path),
        media_type="application/xml",
        headers={
            "X-Content-SHA256": exported.sha256,
            "Content-Length": str(exported.size),
            "Content-Disposition": (
                f'attachment; filename="{ascii_filename(exported.filename)}"; '
                f"filename*=UTF-8''{quote(exported.filename)}"
            ),
        },
    )


PEER_ID = "exchange_peer_id"


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def peer_or_sign_in(connection: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
    """Guard: a peer's inbound token (its SHA-256 names the peer), else a signed-in
    person (401 otherwise), before any of the body is read."""
    runtime: Runtime = connection.app.state.runtime
    token = _bearer(connection)
    async with runtime.session() as session:
        if token is not None:
            digest = hashlib.sha256(token.encode()).hexdigest()
            peer_id = (
                await session.exec(
                    select(ExchangePeer.id).where(ExchangePeer.inbound_token_sha256 == digest)
                )
            ).first()
            if peer_id is not None:
                connection.state[PEER_ID] = peer_id
                return
        await sign_in_check(connection, session, runtime.settings)


async def _spool(request: Request[Any, Any, Any], path: Path) -> None:
    with path.open("wb") as out:
        async for chunk in request.stream():
            await anyio.to_thread.run_sync(out.write, chunk)


def _caller(
    request: Request[Any, Any, Any], allow_unsigned: bool
) -> tuple[int | None, Principal | None]:
    peer_id = request.state.get(PEER_ID)
    principal = request.state.get("principal")
    if isinstance(peer_id, int):
        if allow_unsigned:
            raise PermissionDenied("Only an administrator may accept an unsigned package.")
        return peer_id, None
    assert isinstance(principal, Principal)
    if not ({Role.CLERK, Role.ADMIN} & principal.roles):
        raise PermissionDenied(
            "Only a clerk (văn thư) or an administrator hands in a received package."
        )
    if allow_unsigned and not principal.has(Role.ADMIN):
        raise PermissionDenied("Only an administrator may accept an unsigned package.")
    return None, principal


async def record_refusal(
    runtime: Runtime,
    error: DomainError,
    peer: tuple[int | None, str] | None,
    actor: Principal | None,
) -> None:
    """``exchange.package_refused`` in its own transaction (the request's rolls back);
    ``peer`` is its (id, name), read before that rollback expired the row."""
    async with runtime.transaction() as session:
        await record_event(
            session, "exchange.package_refused", actor=actor, subject_type="exchange_peer"
            if peer else None, subject_id=peer[0] if peer else None,
            details={"status": error.status_code, "detail": str(error)[:2000],
                     "codes": error.codes if isinstance(error, PackageRejected) else [],
                     "peer": peer[1] if peer else None},
        )


@post(
    "/api/v1/exchange/packages",
    tags=["exchange"],
    summary="Receive an edXML package (from a peer's token, or a clerk of a recipient)",
    opt={"public": True},  # authenticated by ``peer_or_sign_in`` (peer token or sign-in)
    guards=[peer_or_sign_in],
    request_max_body_size=edxml.DEFAULT_MAX_PACKAGE_BYTES,
)
async def receive_edxml_package(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
    allow_unsigned: FromQuery[bool] = False,
) -> Response[dict[str, Any]]:
    """201 created, 200 already received (same answer), 409, 422 with coded problems."""
    peer_id, principal = _caller(request, allow_unsigned)
    peer = await db_session.get(ExchangePeer, peer_id) if peer_id is not None else None
    named = (peer.id, peer.name) if peer else None
    fd, name = tempfile.mkstemp(prefix="docflow-edxml-in-", suffix=".edxml")
    os.close(fd)
    path = Path(name)
    try:
        await _spool(request, path)
        how = Receiving(store=runtime.store, signing=runtime.signing,
                        workers=runtime.signing_pool, peer=peer, actor=principal,
                        allow_unsigned=allow_unsigned, jobs=runtime.jobs)
        received = await receive_package(db_session, path, how)
    except (PackageRejected, ConflictError, PermissionDenied) as exc:
        await db_session.rollback()
        await record_refusal(runtime, exc, named, principal)
        raise
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    body = {"package_id": received.package_id, "created": received.created, **received.result}
    return Response(body, status_code=201 if received.created else 200)


EXCHANGE_HANDLERS = [get_document_edxml, receive_edxml_package]
