"""``docflow edxml export`` and ``docflow edxml check``: edXML packages from the shell.

``export DOCUMENT_ID OUT.edxml`` writes an issued document's package signed with its
agency's seal (exit 0; 1 with one line saying why when it is missing, not issued, or
its package would be larger than ``DOCFLOW_EXCHANGE_MAX_PACKAGE_MB``).

Every command reads and writes packages within ``DOCFLOW_EXCHANGE_MAX_PACKAGE_MB``.

``check FILE [--json]`` reads a package as docflow reads one from a peer: the axis rules
and the XML signature against the trust anchors (``--trust`` PEM files, else the
configured ones). Exit 0 when nothing is wrong (warnings are printed); 1 with every
problem on its own line, ``<code> <where>: <sentence>`` (or a JSON list); 2 when the
file is not an edXML package or cannot be read, in one line, never a traceback.

``import FILE [--allow-unsigned] [--json]`` receives a package as
``POST /api/v1/exchange/packages`` does (for a file that came by other means; the
administrator running it is the actor): exit 0 when imported or already imported
(the answer printed, or as JSON); 1 when refused, every reason on its own line
(``<code> <where>: <sentence>``), or a conflict in one line; 2 when the file cannot be
read or is not an edXML package.

Heavy imports stay inside the commands so ``docflow --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

__all__ = ["register"]

EXIT_PROBLEMS = 1
EXIT_UNREADABLE = 2


@click.group("edxml")
def edxml_group() -> None:
    """edXML packages (QCVN 102:2016): export an issued document, check or import a package."""


@edxml_group.command("export")
@click.argument("document_id", type=click.IntRange(min=1))
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def edxml_export(document_id: int, out: Path) -> None:
    """Write issued document DOCUMENT_ID as a signed edXML package to OUT."""
    from docflow.cli.startup import with_runtime

    written = with_runtime(lambda runtime: _export(runtime, document_id, out), store=True)
    click.echo(
        f"{out}: {written.edxml_document_id}, {written.size} bytes, "
        f"sha256 {written.sha256}, signed {written.algorithm}"
    )


async def _export(runtime: Any, document_id: int, out: Path) -> Any:
    from docflow.core.errors import NotFoundError
    from docflow.documents.models import Document
    from docflow.exchange.export import document_package, record_export
    from docflow.exchange.sizes import package_limits

    part = out.with_name(out.name + ".part")
    try:
        async with runtime.session() as session:
            document = await session.get(Document, document_id)
            if document is None:
                raise NotFoundError(f"document {document_id} does not exist")
            with part.open("wb") as handle:
                written = await document_package(
                    session, document, store=runtime.store, signing=runtime.signing,
                    out=handle, limits=package_limits(runtime.settings),
                )
        async with runtime.transaction() as session:
            await record_export(session, None, written)
        part.replace(out)
    finally:
        part.unlink(missing_ok=True)
    return written


def _settings() -> Any:
    from docflow.cli.startup import load_settings

    return load_settings(production_checks=False)


def _trust(files: tuple[Path, ...]) -> Any:
    from docflow.core.keys import JobFailed
    from docflow.exchange.edxml import TrustAnchors

    if files:
        return TrustAnchors.of([path.read_bytes() for path in files])
    from docflow.bootstrap import signing_config

    trust = signing_config(_settings()).trust
    try:
        return TrustAnchors.of(trust.anchor_pems(), trust.ca_pems())
    except JobFailed as exc:  # none configured: say so, as a file that cannot be read
        raise ValueError(f"{exc} Or name a root with --trust.") from None


def _fail_unreadable(message: str) -> None:
    click.echo(f"docflow: {' '.join(message.split())}", err=True)
    sys.exit(EXIT_UNREADABLE)


@edxml_group.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as a JSON list.")
@click.option(
    "--trust",
    "trust_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A trusted root (PEM); repeatable. Default: the configured trust anchors.",
)
def edxml_check(file: Path, as_json: bool, trust_files: tuple[Path, ...]) -> None:
    """Check FILE: the axis rules and its XML signature."""
    from docflow.exchange.edxml import (
        PackageRefused,
        Severity,
        check_package,
        parse_package,
        verify_package,
    )
    from docflow.exchange.sizes import package_limits

    if not file.is_file():
        _fail_unreadable(f"{file}: no such file")
    try:
        parsed = parse_package(file, limits=package_limits(_settings()))
    except PackageRefused as exc:
        _fail_unreadable(f"{file} is not a readable edXML package: {exc} ({exc.code})")
        return
    except OSError as exc:
        _fail_unreadable(f"{file} cannot be read: {exc.strerror or exc}")
        return
    try:
        trust = _trust(trust_files)
    except (OSError, ValueError) as exc:
        _fail_unreadable(f"the trust anchors cannot be read: {exc}")
        return
    problems = [*check_package(parsed), *verify_package(parsed, trust).problems]
    errors = [p for p in problems if p.severity == Severity.ERROR]
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in problems], ensure_ascii=False))
    else:
        for p in problems:
            where = f" {p.where}" if p.where else ""
            level = "" if p.severity == Severity.ERROR else " (warning)"
            click.echo(f"{p.code}{where}: {p.en}{level}")
        if not errors:
            kind = "status" if parsed.is_status else "document"
            click.echo(f"{file}: valid {kind} package, signature verified")
    sys.exit(EXIT_PROBLEMS if errors else 0)


async def _import(runtime: Any, file: Path, allow_unsigned: bool) -> Any:
    from docflow.core.keys import JobFailed
    from docflow.exchange.api import no_trust, record_refusal, too_large
    from docflow.exchange.imports import PackageRejected, Receiving, receive_package
    from docflow.exchange.sizes import package_limits

    limits = package_limits(runtime.settings)
    how = Receiving(store=runtime.store, signing=runtime.signing,
                    workers=runtime.signing_pool, allow_unsigned=allow_unsigned, limits=limits,
                    jobs=runtime.jobs)
    try:
        if file.stat().st_size > limits.max_package_bytes:
            raise too_large(limits.max_package_bytes)
        try:
            async with runtime.transaction() as session:
                return await receive_package(session, file, how)
        except JobFailed as exc:  # no trust anchors configured: one line, exit 1
            raise no_trust(exc) from exc
    except PackageRejected as exc:
        await record_refusal(runtime, exc, None, None)
        return exc


def _print_refusal(error: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in error.problems], ensure_ascii=False))
        return
    for line in error.lines():
        click.echo(line)


@edxml_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--allow-unsigned", is_flag=True,
              help="Accept a package without XML signature (recorded as unsigned).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer (or problems) as JSON.")
def edxml_import(file: Path, allow_unsigned: bool, as_json: bool) -> None:
    """Receive FILE: incoming transfers for a document, a status onto its transfer."""
    from docflow.cli.startup import with_runtime
    from docflow.exchange.imports import PackageRejected, PackageUnreadable

    if not file.is_file():
        _fail_unreadable(f"{file}: no such file")
    try:
        with file.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        _fail_unreadable(f"{file} cannot be read: {exc.strerror or exc}")
    outcome = with_runtime(lambda runtime: _import(runtime, file, allow_unsigned), store=True)
    if isinstance(outcome, PackageRejected):
        if isinstance(outcome, PackageUnreadable):
            _fail_unreadable(f"{file} is not a readable edXML package: {outcome}")
        _print_refusal(outcome, as_json)
        sys.exit(EXIT_PROBLEMS)
    answer = {"package_id": outcome.package_id, "created": outcome.created, **outcome.result}
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False))
    else:
        done = "imported" if outcome.created else "already imported (same package)"
        click.echo(f"{file}: {done}, package {outcome.package_id}: "
                   + ", ".join(f"{k} {v}" for k, v in outcome.result.items() if v))


def register(main: click.Group) -> None:
    main.add_command(edxml_group)
