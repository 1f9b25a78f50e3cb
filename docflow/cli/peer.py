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
) -> None:
    """Add a peer; prints the inbound token once."""
    from docflow.exchange.peers import add_peer, parse_agency

    parsed = [parse_agency(a) for a in agencies]
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
        click.echo(f"agency {agency.code} {agency.name}")
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
