"""Exchange routes: an issued document as a signed edXML package, and receiving one.

``POST /api/v1/exchange/packages`` takes the raw package (``application/xml``, at most
``DOCFLOW_EXCHANGE_MAX_PACKAGE_MB``, streamed to a temporary file; a larger one is
refused with 413 from its ``Content-Length`` or as soon as the limit is passed) from a
peer, named by
its bearer token (``Authorization: Bearer <token>``, matched by SHA-256 to
``ExchangePeer.inbound_token_sha256``), or from a signed-in clerk (or administrator) of
a recipient agency who got the file by other means; ``allow_unsigned=true`` is an
administrator's choice only. 201 with what was created, 200 with the same answer for a
package received before, 409 for other bytes under the same identity, 422 with every
coded problem (``extra``), 503 when this deployment cannot check signatures (no trust
anchors configured), never a 500 for what the package contains. Every refusal is
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
from docflow.core.keys import JobFailed
from docflow.core.runtime import Runtime
from docflow.documents.files import ServiceUnavailable
from docflow.documents.reading import load_for_issuer_side
from docflow.exchange.export import document_package, record_export
from docflow.exchange.export_names import ascii_filename
from docflow.exchange.imports import PackageRejected, Receiving, receive_package
from docflow.exchange.imports_problems import refusal
from docflow.exchange.models import ExchangePeer
from docflow.exchange.sizes import package_limits

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
                db_session, document, store=runtime.store, signing=runtime.signing, out=out,
                limits=package_limits(runtime.settings),
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


class PackageTooLarge(PackageRejected):
    """413: the body is larger than ``DOCFLOW_EXCHANGE_MAX_PACKAGE_MB``."""

    status_code = 413


def too_large(limit: int) -> PackageTooLarge:
    mb = limit // (1024 * 1024)
    return PackageTooLarge(
        "The package is too large", [refusal(
            "package_too_large",
            f"The package is larger than the limit of {mb} MB this system accepts "
            "(DOCFLOW_EXCHANGE_MAX_PACKAGE_MB); nothing was received.",
            f"Gói tin lớn hơn giới hạn {mb} MB mà hệ thống này nhận "
            "(DOCFLOW_EXCHANGE_MAX_PACKAGE_MB); chưa nhận gì.")],
    )


def _announced_size(request: Request[Any, Any, Any], limit: int) -> None:
    """Refuse a body whose ``Content-Length`` is over ``limit`` before reading any of it."""
    announced = request.headers.get("content-length", "").strip()
    if announced.isdigit() and int(announced) > limit:
        raise too_large(limit)


async def _spool(request: Request[Any, Any, Any], path: Path, limit: int) -> None:
    """The body into ``path``, stopping as soon as it passes ``limit`` bytes."""
    size = 0
    with path.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            await anyio.to_thread.run_sync(out.write, chunk)


def no_trust(exc: JobFailed) -> ServiceUnavailable:
    """503 for a deployment that cannot check signatures (no trust anchors configured)."""
    return ServiceUnavailable(
        f"This system cannot check the package's XML signature: {exc} Nothing was "
        "received; an administrator must configure the trust anchors (the national root "
        "and the roots of the peers), then the sender can send the package again."
    )


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
    # Bounded by DOCFLOW_EXCHANGE_MAX_PACKAGE_MB in the handler (a setting, not a constant).
    request_max_body_size=None,
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
    limits = package_limits(runtime.settings)
    try:
        _announced_size(request, limits.max_package_bytes)
        await _spool(request, path, limits.max_package_bytes)
        how = Receiving(store=runtime.store, signing=runtime.signing,
                        workers=runtime.signing_pool, peer=peer, actor=principal,
                        allow_unsigned=allow_unsigned, limits=limits, jobs=runtime.jobs)
        try:
            received = await receive_package(db_session, path, how)
        except JobFailed as exc:  # e.g. no trust anchors configured
            raise no_trust(exc) from exc
    except (PackageRejected, ConflictError, PermissionDenied, ServiceUnavailable) as exc:
        await db_session.rollback()
        await record_refusal(runtime, exc, named, principal)
        raise
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    body = {"package_id": received.package_id, "created": received.created, **received.result}
    return Response(body, status_code=201 if received.created else 200)


EXCHANGE_HANDLERS = [get_document_edxml, receive_edxml_package]
