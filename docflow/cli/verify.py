"""``docflow verify FILE [--json] [--trust PEM]...``: validate every signature in a PDF.

Exit status: 0 only when every signature is TOTAL_PASSED; 1 when one is not, or there
are none; 2 (one line on stderr) when the file cannot be read. Never a traceback.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from docflow.core.ports import TrustStore
    from signing.validation import (
        DocumentReport,
        SignatureReport,
        TimestampReport,
        TrustConfig,
    )

__all__ = ["default_trust", "render_text", "verify_command"]

EXIT_OK, EXIT_NOT_PASSED, EXIT_UNREADABLE = 0, 1, 2


def _configured_trust() -> TrustStore | None:
    """This deployment's trust, as the server chooses it from the environment
    (``docflow.bootstrap``: configured anchors, else the dev root outside production);
    None when the settings cannot be read."""
    from docflow.bootstrap import signing_config
    from docflow.core.errors import ConfigurationError
    from docflow.core.settings import Settings

    try:
        return signing_config(Settings.from_env()).trust
    except ConfigurationError:
        return None


def default_trust(extra_anchor_files: tuple[str, ...] = ()) -> TrustConfig:
    """This deployment's anchors and known CAs, plus ``extra_anchor_files``."""
    from docflow.core.keys import JobFailed
    from signing.validation import TrustConfig, load_certificates

    anchors: list[Any] = []
    inter: list[Any] = []
    store = _configured_trust()
    if store is not None:
        try:
            anchors += [c for pem in store.anchor_pems() for c in load_certificates(pem)]
            inter += [c for pem in store.ca_pems() for c in load_certificates(pem)]
        except (JobFailed, OSError, ValueError, LookupError):
            pass  # none configured or no dev PKI: only --trust files
    for f in extra_anchor_files:
        anchors += load_certificates(Path(f).read_bytes())
    return TrustConfig(trust_anchors=tuple(anchors), intermediates=tuple(inter))


def _t(value: datetime | None) -> str:
    return value.isoformat() if value else "-"


def _sig_lines(i: int, s: SignatureReport) -> list[str]:
    lines = [
        f"Signature {i}: {s.field_name}: {s.indication.value}"
        + (f" / {s.sub_indication}" if s.sub_indication else "")
        + (f"  [{s.level}]" if s.level else "")
    ]
    if s.signer:
        org = f", {s.signer.organisation}" if s.signer.organisation else ""
        lines.append(f"  Signer: {s.signer.name}{org}")
        lines.append(
            f"  Certificate: serial {s.signer.certificate_serial}, issued by {s.signer.issuer}"
        )
    lines.append(f"  Signing time (claimed): {_t(s.signing_time)}")
    tsa = f" by {s.timestamp_authority}" if s.timestamp_authority else ""
    lines.append(f"  Best signature time (timestamp{tsa}): {_t(s.best_signature_time)}")
    mods = s.modifications.kind.value
    if s.modifications.changed_form_fields:
        mods += f" ({', '.join(s.modifications.changed_form_fields)})"
    lines.append(f"  Coverage: {s.coverage.value}; modifications after signing: {mods}")
    r = s.revocation
    rev = f"{r.status} (source: {r.source}"
    rev += f", {r.kind}" if r.kind else ""
    rev += f", fresh: {'yes' if r.fresh else 'no'}" if r.fresh is not None else ""
    rev += f", revoked on {_t(r.revocation_date)}" if r.revocation_date else ""
    lines.append(f"  Revocation: {rev})")
    lines.append(f"  Algorithms: {s.digest_algorithm or '-'} / {s.signature_algorithm or '-'}")
    if s.certificate_chain:
        lines.append(
            "  Chain (signer → root): " + " → ".join(c.subject for c in s.certificate_chain)
        )
    lines += [f"  Error: {e}" for e in s.errors]
    lines += [f"  Warning: {w}" for w in s.warnings]
    return lines


def _ts_lines(t: TimestampReport) -> list[str]:
    lines = [
        f"Document timestamp {t.field_name}: {t.indication.value}"
        + (f" / {t.sub_indication}" if t.sub_indication else "")
        + f"  at {_t(t.timestamp)} by {t.tsa or '-'}"
    ]
    lines += [f"  Error: {e}" for e in t.errors]
    lines += [f"  Warning: {w}" for w in t.warnings]
    return lines


def render_text(report: DocumentReport, name: str) -> str:
    lines = [
        f"File: {name}",
        f"SHA-256: {report.file_sha256}",
        f"Revisions: {report.revisions if report.revisions is not None else '-'}",
        f"Validation time: {report.validation_time.isoformat()}",
        f"Verdict: {report.verdict.value} ({len(report.signatures)} signature(s))",
    ]
    lines += [f"Error: {e}" for e in report.errors]
    lines += [f"Warning: {w}" for w in report.warnings]
    for i, s in enumerate(report.signatures, 1):
        lines += [""] + _sig_lines(i, s)
    for t in report.document_timestamps:
        lines += [""] + _ts_lines(t)
    return "\n".join(lines)


def _one_line(message: str) -> str:
    return " ".join(message.split())


@click.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--trust",
    "trust_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Extra trusted root certificate (PEM/DER); repeatable.",
)
@click.option(
    "--online",
    is_flag=True,
    help="Fetch current CRL/OCSP/certificates over the network (in development the dev "
    "PKI answers in-process).",
)
@click.option(
    "--at",
    "at",
    default=None,
    help="Validate as of this ISO 8601 time instead of now (e.g. 2031-12-01): years "
    "later, B-LTA documents pass offline from their archive timestamps.",
)
@click.option(
    "--etsi-xml",
    "etsi_xml",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the ETSI TS 119 102-2 XML report here.",
)
def verify_command(
    file: Path,
    as_json: bool,
    trust_files: tuple[str, ...],
    online: bool,
    at: str | None,
    etsi_xml: Path | None,
) -> None:
    """Validate the signatures in FILE; exit 0 only if every signature passes."""
    from docflow.core.keys import JobFailed
    from signing.validation import UnreadablePdf, etsi_xml_report, validate_pdf

    for name in ("pyhanko", "pyhanko_certvalidator", "signing"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        trust = default_trust(trust_files)
        moment = None
        if at:
            moment = datetime.fromisoformat(at)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        trust = trust.replace(allow_fetching=online, validation_time=moment)
        store = _configured_trust() if online else None
        session = store.fetch_session() if store is not None else None
        if session is not None:
            trust = trust.replace(session=session)
    except (JobFailed, OSError, ValueError, LookupError) as exc:
        # A bad --at, an unreadable --trust file or anchor, a PEM that is not one.
        click.echo(f"docflow: cannot set up trust: {_one_line(str(exc))}", err=True)
        sys.exit(EXIT_UNREADABLE)
    try:
        report = validate_pdf(file, trust)
    except UnreadablePdf as exc:
        click.echo(f"docflow: {file}: {_one_line(str(exc))}", err=True)
        sys.exit(EXIT_UNREADABLE)
    # Edge: validating a hostile file may fail in any way; one line with type and message.
    except Exception as exc:  # noqa: BLE001 - never a traceback
        click.echo(
            f"docflow: {file}: cannot be verified "
            f"({type(exc).__name__}: {_one_line(str(exc))[:300]})",
            err=True,
        )
        sys.exit(EXIT_UNREADABLE)
    if etsi_xml is not None:
        try:
            etsi_xml.write_bytes(etsi_xml_report(str(file), trust))
        # Edge: the report is an extra; whatever fails, the verdict is still printed.
        except Exception as exc:  # noqa: BLE001 - printed, type and message
            click.echo(
                f"docflow: ETSI report not written ({type(exc).__name__}): "
                f"{_one_line(str(exc))[:300]}",
                err=True,
            )
    click.echo(report.to_json() if as_json else render_text(report, str(file)))
    sys.exit(EXIT_OK if report.passed else EXIT_NOT_PASSED)
