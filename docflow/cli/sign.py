"""``docflow sign IN OUT (--signer USER | --seal ABBREV | --p12 F --passphrase P)
[--level L] [--visible]``: sign a PDF file at a PAdES baseline level.

Demo names (``stttt.leader``, ``STTTT``) resolve to the development PKI. The signature
timestamp comes from ``--tsa-url`` / ``DOCFLOW_TSA_URL``, else (development only) the
dev TSA in-process. Problems print one line on stderr and exit non-zero; never a
traceback.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from signing import Level

__all__ = ["sign_command"]

EXIT_FAILED, EXIT_USAGE = 1, 2
LEADER_BOX = (330.0, 120.0, 530.0, 200.0)


def _fail(message: str, code: int = EXIT_FAILED) -> None:
    click.echo("docflow sign: " + " ".join(message.split()), err=True)
    sys.exit(code)


def _subject_attr(cert_pem: bytes, name: str) -> str:
    from asn1crypto import pem, x509

    der = pem.unarmor(cert_pem)[2] if pem.detect(cert_pem) else cert_pem
    value = x509.Certificate.load(der).subject.native.get(name, "")
    return str(value[0] if isinstance(value, list) else value)


def _source(signer: str | None, seal: str | None, p12: Path | None, passphrase: str | None) -> Any:
    from signing import PemSource, Pkcs12Source

    chosen = [x for x in (signer, seal, p12) if x]
    if len(chosen) != 1:
        _fail("give exactly one of --signer USER, --seal ABBREV or --p12 FILE", EXIT_USAGE)
    if p12 is not None:
        return Pkcs12Source(data=p12, passphrase=passphrase)
    from docflow.devpki import dev_signer

    try:
        key_pem, cert_pem, chain = dev_signer(signer or seal or "")
    except LookupError as exc:
        _fail(str(exc).strip("'\""), EXIT_USAGE)
    return PemSource(key=key_pem, certificate=cert_pem, chain=tuple(chain))


def _appearance(kind: str, cert_pem: bytes | None) -> Any:
    from signing import leader_appearance, seal_appearance

    now = datetime.now(UTC)
    if cert_pem is None:
        return None
    if kind == "seal":
        return seal_appearance(_subject_attr(cert_pem, "organization_name"), now)
    return leader_appearance(
        _subject_attr(cert_pem, "common_name"), _subject_attr(cert_pem, "title"), now
    )


def _time_and_trust(level: str, tsa_url: str | None) -> dict[str, Any]:
    """TSA and (for B-LT/B-LTA) trust: as the server chooses them from the environment
    (``docflow.bootstrap``: configured, else the dev PKI in-process outside production);
    ``--tsa-url`` wins."""
    from docflow.bootstrap import signing_config
    from docflow.core.keys import JobFailed
    from docflow.core.settings import Settings

    config = signing_config(Settings.from_env())
    kwargs: dict[str, Any] = {}
    try:
        if level != "B-B":
            kwargs.update({"tsa_url": tsa_url} if tsa_url else config.time_stamping.sign_kwargs())
        if level in ("B-LT", "B-LTA"):
            kwargs.update(config.trust.long_term_kwargs())
    except JobFailed as exc:
        _fail(f"a {level} signature needs it: {exc}", EXIT_USAGE)
    return kwargs


def _refuse_if_broken(input_pdf: Path) -> None:
    """A signature is never added over signatures that are already broken."""
    from docflow.cli.verify import default_trust
    from docflow.core.keys import broken_signatures
    from signing import UnreadablePdf, validate_pdf

    try:
        report = validate_pdf(input_pdf, default_trust())
    except UnreadablePdf as exc:
        _fail(str(exc))
    problems = broken_signatures(report)
    if problems:
        _fail("not signed: " + " ".join(problems))


@click.command("sign")
@click.argument("input_pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("output_pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--signer", help="Demo user, e.g. stttt.leader (development PKI).")
@click.option("--seal", help="Agency abbreviation for its seal, e.g. STTTT.")
@click.option("--p12", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passphrase", help="Passphrase of the --p12 file.")
@click.option(
    "--level", type=click.Choice(["B-B", "B-T", "B-LT", "B-LTA"]), default="B-T",
    show_default=True,
)
@click.option("--visible", is_flag=True, help="Draw the signature stamp on page 1.")
@click.option("--field", "field_name", default=None, help="Signature field name.")
@click.option("--tsa-url", default=None, help="RFC 3161 TSA (default: DOCFLOW_TSA_URL).")
def sign_command(
    input_pdf: Path,
    output_pdf: Path,
    signer: str | None,
    seal: str | None,
    p12: Path | None,
    passphrase: str | None,
    level: Level,  # click.Choice offers exactly the four levels
    visible: bool,
    field_name: str | None,
    tsa_url: str | None,
) -> None:
    """Sign INPUT_PDF into OUTPUT_PDF (an incremental update; the input is kept)."""
    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # its warnings are not for operators
    try:
        from signing import SigningError, SignRequest, load_signer, sign_pdf

        source = _source(signer, seal, p12, passphrase)
        _refuse_if_broken(input_pdf)
        loaded = load_signer(source)
        cert_pem = None
        if loaded.signing_cert is not None:
            from asn1crypto import pem

            cert_pem = pem.armor("CERTIFICATE", loaded.signing_cert.dump())
        request = SignRequest(
            level=level,
            field_name=field_name or ("DauCoQuan" if seal else "ChuKy"),
            box=LEADER_BOX if visible else None,
            appearance=_appearance("seal" if seal else "person", cert_pem) if visible else None,
            lock_existing_fields=True,
            **_time_and_trust(level, tsa_url),
        )
        result = sign_pdf(input_pdf, output_pdf, request, loaded)
    except SystemExit:
        raise
    except SigningError as exc:
        _fail(str(exc))
    # Edge: the command's own error line (and exit code) for whatever pyHanko or a key raises.
    except Exception as exc:  # noqa: BLE001 - one line for the operator, never a traceback
        detail = " ".join(str(exc).split()) or type(exc).__name__
        _fail(f"unexpected error ({type(exc).__name__}: {detail[:300]})")
    click.echo(
        f"signed {output_pdf} ({result.level}, field {result.field_name}, "
        f"{result.size} bytes, sha256 {result.sha256})"
    )
