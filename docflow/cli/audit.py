"""``docflow audit verify|checkpoint|export`` and ``docflow verify-bundle FILE``.

``audit verify``: exit 0 when the trail holds, 1 when it does not (the first bad event
named, and every checkpoint that is missing, altered or forged). ``audit export DIR``:
the checkpoints' copies, for an auditor to keep apart. ``verify-bundle``: offline (no
settings, database or network): exit 0 when every check holds, 1 listing what does not
(each line names its member), 2 for a file that is not a readable bundle.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

__all__ = ["register"]


def _with_runtime(work: Any) -> Any:
    from docflow.cli.startup import with_runtime

    return with_runtime(work)


@click.group("audit")
def audit_group() -> None:
    """The audit trail: verify it, sign a checkpoint, export the checkpoints."""


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option(
    "--checkpoints",
    "export_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Also compare with checkpoint copies exported earlier (docflow audit export).",
)
def audit_verify(as_json: bool, export_dir: Path | None) -> None:
    """Check every event, checkpoint and copy; exit 1 naming the first bad event."""
    from docflow.audit.verify import verify_trail

    async def work(runtime: Any) -> Any:
        return await verify_trail(runtime, export_dir)

    body = _with_runtime(work).to_dict()
    if as_json:
        click.echo(json.dumps(body, indent=2))
    else:
        _print_status(body)
    sys.exit(0 if body["status"] == "ok" else 1)


def _print_status(body: dict[str, Any]) -> None:
    click.echo(f"events checked: {body['events_checked']} of {body['log_size']}")
    if body["sequenced"] is not None:
        click.echo(f"chain intact up to seq {body['sequenced']}")
    age = body["oldest_unsequenced_age_seconds"]
    oldest = "" if age is None else f" (oldest {age:.1f} s old)"
    click.echo(f"events not yet sequenced: {body['unsequenced']}{oldest}")
    cp = body["last_checkpoint"]
    if cp:
        state = "valid" if cp["signature_valid"] else "NOT checked or valid"
        click.echo(
            f"last checkpoint: {cp['size']} events ({cp['source']}), signed at "
            f"{cp['signed_at']}, signature {state}"
        )
    else:
        click.echo("last checkpoint: none")
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in body["checkpoints"].items())
    click.echo(f"checkpoints: {counts}")
    for line in body["problems"]:
        click.echo(f"PROBLEM: {line}")
    for line in body["warnings"]:
        click.echo(f"warning: {line}")
    broken = body["first_broken"]
    if broken:
        click.echo(f"BROKEN at event {broken['seq']}: {broken['problem']}")
    click.echo(f"status: {body['status']}")


@audit_group.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the log's head with the system seal, timestamp it, copy it to the store."""
    from docflow.audit.checkpoints import create_checkpoint

    async def work(runtime: Any) -> Any:
        return await create_checkpoint(runtime, reason="on_demand")

    cp = _with_runtime(work)
    click.echo(
        f"checkpoint of {cp.size} events, timestamped {cp.timestamp_time.isoformat()}"
    )


@audit_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def audit_export(directory: Path) -> None:
    """Write every checkpoint's copy into DIRECTORY (keep it away from this server)."""
    from docflow.audit.copies import export_copies

    async def work(runtime: Any) -> Any:
        return await export_copies(runtime, directory)

    count = _with_runtime(work)
    click.echo(f"{count} checkpoint copies written to {directory}")


@click.command("verify-bundle")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def verify_bundle(file: Path) -> None:
    """Check an evidence bundle offline; exit 0 only if everything in it holds."""
    for name in ("pyhanko", "pyhanko_certvalidator", "signing"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    from docflow.audit.bundle_check import UnreadableBundle, check_bundle

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
