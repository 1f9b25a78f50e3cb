"""``docflow audit verify|checkpoint`` and ``docflow verify-bundle FILE``.

``audit verify``: exit 0 when the chain holds, 1 when it is broken (the first bad event
named). ``verify-bundle``: offline (no settings, database or network): exit 0 when every
check holds, 1 listing what does not (each line names its member), 2 for a file that is
not a readable bundle.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

__all__ = ["register"]


def _with_runtime(work: Any) -> Any:
    from docflow.cli import _preflight, _settings
    from docflow.runtime import Runtime

    settings = _settings()

    async def go() -> Any:
        await _preflight(settings, store=False, schema=True)
        runtime = Runtime.build(settings)
        try:
            return await work(runtime)
        finally:
            await runtime.dispose()

    return asyncio.run(go())


@click.group("audit")
def audit_group() -> None:
    """The audit trail: verify the chain, sign a checkpoint."""


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def audit_verify(as_json: bool) -> None:
    """Recompute every link of the chain; exit 1 naming the first bad event."""
    from docflow.services.audit_chain import check_chain
    from docflow.services.audit_checkpoints import checkpoint_status

    async def work(runtime: Any) -> Any:
        async def checker(cp: Any) -> Any:
            return await checkpoint_status(runtime, cp)

        async with runtime.session() as session:
            return await check_chain(session, checkpoint_checker=checker)

    status = _with_runtime(work)
    body = status.to_dict()
    if as_json:
        click.echo(json.dumps(body, indent=2))
    else:
        click.echo(f"events checked: {body['events_checked']}")
        cp = body["last_checkpoint"]
        if cp:
            state = "valid" if cp["signature_valid"] else "NOT valid: " + "; ".join(cp["problems"])
            click.echo(
                f"last checkpoint: seq {cp['seq']} at {cp['timestamp_time']}, signature {state}"
            )
        else:
            click.echo("last checkpoint: none")
        broken = body["first_broken"]
        if broken:
            click.echo(f"BROKEN at event {broken['seq']}: {broken['problem']}")
        click.echo(f"status: {body['status']}")
    sys.exit(0 if body["status"] == "ok" else 1)


@audit_group.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's head with the system seal and timestamp it now."""
    from docflow.services.audit_checkpoints import create_checkpoint

    async def work(runtime: Any) -> Any:
        return await create_checkpoint(runtime, reason="on_demand")

    cp = _with_runtime(work)
    click.echo(
        f"checkpoint {cp.id}: seq {cp.seq}, hash {cp.hash}, "
        f"timestamped {cp.timestamp_time.isoformat()}"
    )


@click.command("verify-bundle")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def verify_bundle(file: Path) -> None:
    """Check an evidence bundle offline; exit 0 only if everything in it holds."""
    for name in ("pyhanko", "pyhanko_certvalidator", "signing"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    from docflow.evidence.check import UnreadableBundle, check_bundle

    try:
        result = check_bundle(file)
    except UnreadableBundle as exc:
        click.echo(f"docflow: {' '.join(str(exc).split())}", err=True)
        sys.exit(2)
    for line in result.passed:
        click.echo(f"ok: {line}")
    for line in result.problems:
        click.echo(f"FAILED: {line}")
    click.echo(
        "bundle verified"
        if result.ok
        else f"bundle NOT verified: {len(result.problems)} problem(s)"
    )
    sys.exit(0 if result.ok else 1)


def register(main: click.Group) -> None:
    main.add_command(audit_group)
    main.add_command(verify_bundle)
