"""``docflow peer add|list|remove|sync``: the other systems edXML packages are delivered to.

``add`` prints the token the peer must present to us, once (only its SHA-256 is kept).
``sync`` fetches a peer's directory (``GET /api/v1/exchange/directory`` on the peer's
host, with the outbound token) and adds or updates its agencies as external agencies.
Every problem is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

__all__ = ["register"]


def _in_transaction(work: Any) -> Any:
    """``work(session)`` in one transaction, committed when it returns."""
    from docflow.cli.startup import with_runtime

    async def run(runtime: Any) -> Any:
        async with runtime.transaction() as session:
            return await work(session)

    return with_runtime(run)


def _read_anchors(files: tuple[str, ...]) -> list[str]:
    from docflow.core.errors import InvalidInput

    texts = []
    for name in files:
        try:
            texts.append(Path(name).read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read the trust anchor file {name}: {exc}") from exc
    return texts


@click.group("peer")
def peer_group() -> None:
    """Peers on the exchange axis: where outgoing edXML packages are delivered."""


def _read_seals(seals: tuple[str, ...]) -> dict[str, str]:
    from docflow.core.errors import InvalidInput

    out: dict[str, str] = {}
    for text in seals:
        code, sep, name = text.partition("=")
        if not sep or not code.strip() or not name.strip():
            raise InvalidInput(f"--seal {text!r} is not CODE=FILE.")
        out[code.strip()] = _read_anchors((name.strip(),))[0]
    return out


@peer_group.command("add")
@click.argument("name")
@click.option("--organs", "organs", required=True, help="Organ-id pattern, e.g. 000.00.*.H31.")
@click.option("--url", required=True, help="Where packages are POSTed.")
@click.option("--anchors", multiple=True, help="PEM file of the peer's roots (repeatable).")
@click.option("--outbound-token", default=None, help="The token we present to the peer.")
@click.option("--allow-unsigned", is_flag=True, help="Accept packages without XML signature.")
@click.option("--mtls", is_flag=True, help="The peer authenticates with client certificates.")
@click.option("--client-cert", default=None, help="With --mtls: our client certificate (PEM).")
@click.option("--client-key", default=None, help="With --mtls: its private key (PEM file).")
@click.option("--agency", "agencies", multiple=True,
              help='An agency of that system, "CODE=Name" (repeatable).')
@click.option("--seal", "seals", multiple=True,
              help="CODE=FILE: the PEM seal certificate of an agency named with --agency; "
              "its packages must be signed with it (repeatable).")
def peer_add(
    name: str,
    organs: str,
    url: str,
    anchors: tuple[str, ...],
    outbound_token: str | None,
    allow_unsigned: bool,
    mtls: bool,
    client_cert: str | None,
    client_key: str | None,
    agencies: tuple[str, ...],
    seals: tuple[str, ...],
) -> None:
    """Add a peer; prints the inbound token once."""
    from docflow.exchange.peers import add_peer, parse_agency, with_seals

    parsed = with_seals([parse_agency(a) for a in agencies], _read_seals(seals))
    pems = _read_anchors(anchors)

    async def work(session: Any) -> Any:
        return await add_peer(
            session, name=name, organ_pattern=organs, url=url, anchors_pem=pems,
            outbound_token=outbound_token, allow_unsigned=allow_unsigned, mtls=mtls,
            client_certificate=client_cert, client_key=client_key, agencies=parsed,
        )

    added = _in_transaction(work)
    click.echo(f"added peer {name} ({organs} -> {url})")
    for agency in added.agencies:
        sealed = " (seal certificate recorded)" if agency.seal_pem else ""
        click.echo(f"agency {agency.code} {agency.name}{sealed}")
    click.echo("inbound token (shown once; give it to the peer's operator):")
    click.echo(added.inbound_token)


@peer_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON list.")
def peer_list(as_json: bool) -> None:
    """Every peer, in the order they are matched."""
    from docflow.exchange.peers import list_peers

    peers = _in_transaction(list_peers)
    rows = [
        {
            "name": p.name,
            "organs": p.organ_pattern,
            "url": p.url,
            "auth": p.auth,
            "anchors": p.trust_anchors_pem.count("BEGIN CERTIFICATE"),
            "outbound_token": bool(p.outbound_token),
            "allow_unsigned": p.allow_unsigned,
        }
        for p in peers
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(
            f"{row['name']}\t{row['organs']}\t{row['url']}\t{row['auth']}\t"
            f"anchors={row['anchors']}\tunsigned={'yes' if row['allow_unsigned'] else 'no'}"
        )


@peer_group.command("update")
@click.argument("name")
@click.option("--url", default=None, help="Where packages are POSTed from now on.")
@click.option("--outbound-token", default=None,
              help="The token we present to the peer (the one its `peer add` printed).")
def peer_update(name: str, url: str | None, outbound_token: str | None) -> None:
    """Change a peer's URL or the token we present to it."""
    from docflow.core.errors import InvalidInput
    from docflow.exchange.peers import update_peer

    if url is None and outbound_token is None:
        raise InvalidInput("Give --url or --outbound-token (or both).")

    async def work(session: Any) -> None:
        await update_peer(session, name, url=url, outbound_token=outbound_token)

    _in_transaction(work)
    click.echo(f"updated peer {name}")


@peer_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
def peer_export(directory: str) -> None:
    """Write what a peer's operator needs to add this system (trust anchors, each agency's
    seal certificate) to DIRECTORY and print the matching `docflow peer add` options."""
    import shlex

    from docflow.exchange.peers import own_agencies

    async def work(runtime: Any) -> tuple[tuple[bytes, ...], Any]:
        async with runtime.session() as session:
            return runtime.signing.trust.anchor_pems(), await own_agencies(session)

    from docflow.cli.startup import with_runtime

    anchors, agencies = with_runtime(work)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    anchors_file = out / "anchors.pem"
    anchors_file.write_bytes(b"".join(p if p.endswith(b"\n") else p + b"\n" for p in anchors))
    options = [f"--anchors {shlex.quote(str(anchors_file))}"]
    for agency in agencies:
        options.append(f"--agency {shlex.quote(f'{agency.code}={agency.name}')}")
        if agency.seal_pem:
            seal_file = out / f"{agency.code}.seal.pem"
            seal_file.write_text(agency.seal_pem, encoding="ascii")
            options.append(f"--seal {shlex.quote(f'{agency.code}={seal_file}')}")
    click.echo(f"wrote {anchors_file} and {sum(1 for a in agencies if a.seal_pem)} seal "
               f"certificate(s) to {out}; the peer adds this system with:")
    click.echo(" \\\n  ".join(options))


@peer_group.command("remove")
@click.argument("name")
def peer_remove(name: str) -> None:
    """Remove a peer that has no deliveries on record."""
    from docflow.exchange.peers import remove_peer

    async def work(session: Any) -> None:
        await remove_peer(session, name)

    _in_transaction(work)
    click.echo(f"removed peer {name}")


@peer_group.command("sync")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="What was added, updated, refused.")
def peer_sync(name: str, as_json: bool) -> None:
    """Fetch the peer's directory; add or update its agencies (external, its pattern only)."""
    import logging

    from docflow.cli.startup import with_runtime
    from docflow.exchange.directory import sync_peer

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one request: its line is noise

    async def run(runtime: Any) -> Any:
        return await sync_peer(runtime, name)

    report = with_runtime(run)
    if as_json:
        click.echo(json.dumps({"added": report.added, "updated": report.updated,
                               "refused": [{"code": c, "reason": r} for c, r in report.refused]},
                              ensure_ascii=False))
        return
    for code in report.added:
        click.echo(f"added {code}")
    for code in report.updated:
        click.echo(f"updated {code}")
    for code, reason in report.refused:
        click.echo(f"refused {code}: {reason}")
    click.echo(f"peer {name}: {len(report.added)} added, {len(report.updated)} updated, "
               f"{len(report.refused)} refused")


def register(main: click.Group) -> None:
    main.add_command(peer_group)
