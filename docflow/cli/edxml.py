"""``docflow edxml export`` and ``docflow edxml check``: edXML packages from the shell.

``export DOCUMENT_ID OUT.edxml`` writes an issued document's package signed with its
agency's seal (exit 0; 1 with one line saying why when it is missing or not issued).

``check FILE [--json]`` reads a package as docflow reads one from a peer: the axis rules
and the XML signature against the trust anchors (``--trust`` PEM files, else the
configured ones). Exit 0 when nothing is wrong (warnings are printed); 1 with every
problem on its own line, ``<code> <where>: <sentence>`` (or a JSON list); 2 when the
file is not an edXML package or cannot be read, in one line, never a traceback.

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
    """edXML packages (QCVN 102:2016): export an issued document, check a package."""


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

    part = out.with_name(out.name + ".part")
    try:
        async with runtime.session() as session:
            document = await session.get(Document, document_id)
            if document is None:
                raise NotFoundError(f"document {document_id} does not exist")
            with part.open("wb") as handle:
                written = await document_package(
                    session, document, store=runtime.store, signing=runtime.signing, out=handle
                )
        async with runtime.transaction() as session:
            await record_export(session, None, written)
        part.replace(out)
    finally:
        part.unlink(missing_ok=True)
    return written


def _trust(files: tuple[Path, ...]) -> Any:
    from docflow.exchange.edxml import TrustAnchors

    if files:
        return TrustAnchors.of([path.read_bytes() for path in files])
    from docflow.bootstrap import signing_config
    from docflow.cli.startup import load_settings

    trust = signing_config(load_settings(production_checks=False)).trust
    return TrustAnchors.of(trust.anchor_pems(), trust.ca_pems())


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

    if not file.is_file():
        _fail_unreadable(f"{file}: no such file")
    try:
        parsed = parse_package(file)
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


def register(main: click.Group) -> None:
    main.add_command(edxml_group)
