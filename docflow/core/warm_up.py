"""Warming up at ``docflow serve`` start-up (``DOCFLOW_WARM_UP``, on for serve): the first
signature, issue and verification otherwise pay for starting the signing workers, loading
pyHanko's lazily imported parts and fonts, and deriving the dev PKI's certificates and
CRLs, seconds the next ones do not.

``schedule_warm_up`` is the app's start-up hook: it starts the work as a background task
and returns at once, so neither the start nor ``/health`` waits for it. The task runs,
in order: one rehearsal in the "locked" lane's worker (the issue's), which also derives
what the configured ports can prepare ahead (their optional ``warm()``, which the dev
PKI's adapters have: its certificates land in the disk cache), then one in each general
worker, then the ports' ``warm()`` in this process (enrolment reads the cache). A
rehearsal signs a blank page with a throwaway key (B-B, a visible appearance) and
validates it offline: no time-stamping authority or network is asked. Failures are
logged, never raised: the first real request then does the work, as without warm-up.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docflow.core.keys import SigningConfig
    from docflow.core.runtime import Runtime

__all__ = ["blank_pdf", "schedule_warm_up", "stop_warm_up", "warm_runtime", "warm_worker"]

logger = logging.getLogger("docflow.warm_up")
#: A rehearsal lasts at least this long, so the general lane's rehearsals, started
#: together, land on different workers rather than twice on the first one free.
MIN_REHEARSAL_SECONDS = 0.5
_tasks: set[asyncio.Task[float]] = set()


def _warm_ports(ports: list[Any]) -> None:
    """Each port's optional ``warm()`` (the dev PKI's adapters have one)."""
    for port in ports:
        warm = getattr(port, "warm", None)
        if callable(warm):
            warm()


def blank_pdf() -> bytes:
    """A one-page blank A4 PDF to rehearse on."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _throwaway_signer() -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    import signing

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "docflow warm-up")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return signing.load_signer(signing.PemSource(
        key=key_pem, certificate=cert.public_bytes(serialization.Encoding.PEM), chain=()
    ))


def _rehearse(config: SigningConfig) -> None:
    import signing

    with tempfile.TemporaryDirectory(prefix="docflow-warm-up-") as tmp:
        out = Path(tmp) / "signed.pdf"
        appearance = signing.leader_appearance("Nguyễn Thị Hồng Nhung", "", datetime.now(UTC))
        request = signing.SignRequest(level="B-B", field_name="WarmUp",
                                      box=(300, 100, 520, 200), appearance=appearance)
        signing.sign_pdf(blank_pdf(), out, request, _throwaway_signer())
        # Its self-signed certificate is refused, as it should be: not worth a warning.
        quiet = logging.getLogger("pyhanko")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)
        try:
            signing.validate_pdf(out, config.trust.trust_config())
        finally:
            quiet.setLevel(level)


def warm_worker(config: SigningConfig, ports_too: bool = False) -> float:
    """In a signing worker: a rehearsal (and, with ``ports_too``, the ports' ``warm()``
    first); the seconds it took."""
    started = time.perf_counter()
    try:
        if ports_too:
            _warm_ports([config.trust, config.time_stamping, config.seal_keys])
        config.trust.trust_config()
        _rehearse(config)
        # The dev seal's rehearsal (B-LT with the dev TSA and revocation data, then a
        # chained validation): the configured keys of production are never used here.
        rehearse = getattr(config.seal_keys, "rehearse", None)
        if callable(rehearse):
            rehearse()
    except Exception:  # noqa: BLE001 - best effort: the first real job does it otherwise
        logger.warning("warm-up of a signing worker failed", exc_info=True)
    spent = time.perf_counter() - started
    time.sleep(max(0.0, MIN_REHEARSAL_SECONDS - spent))
    return spent


async def warm_runtime(runtime: Runtime) -> float:
    """Warm ``runtime``'s signing workers and ports; the seconds it took."""
    started = time.perf_counter()
    pool, config = runtime.signing_pool, runtime.signing
    try:
        await pool.run(warm_worker, config, True, locked=True)
        # Both lanes have a worker per core; as many rehearsals at once as workers (each
        # lasts at least MIN_REHEARSAL_SECONDS) reach every one of them.
        await asyncio.gather(
            *(pool.run(warm_worker, config, locked=True) for _ in range(pool.workers)),
            *(pool.run(warm_worker, config) for _ in range(pool.workers)),
        )
        await asyncio.to_thread(_warm_ports, [runtime.certificate_issuer])
    except asyncio.CancelledError:
        logger.info("warm-up stopped: the server is stopping")
        raise
    except Exception:  # noqa: BLE001 - best effort, as above (a pool shut down meanwhile)
        logger.warning("warm-up did not finish", exc_info=True)
    spent = time.perf_counter() - started
    logger.info("warm-up done in %.1f s (%d signing workers)", spent, pool.workers)
    return spent


def schedule_warm_up(runtime: Runtime) -> Any:
    """The start-up hook for ``runtime``: starts ``warm_runtime`` in the background and
    returns at once (off unless ``DOCFLOW_WARM_UP`` is on)."""

    async def start() -> None:
        if not runtime.settings.warm_up:
            return
        task = asyncio.create_task(warm_runtime(runtime), name="docflow-warm-up")
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)

    return start


async def stop_warm_up() -> None:
    """At shutdown: stop a warm-up still under way (the pool's shutdown then ends the
    rehearsal its worker is running) instead of waiting for it."""
    for task in list(_tasks):
        task.cancel()
    if _tasks:
        await asyncio.wait(list(_tasks), timeout=5)
