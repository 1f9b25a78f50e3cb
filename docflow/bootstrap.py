"""Choosing the adapters: which seal keys, time-stamping authority, roots and certificate
issuer this deployment uses, which handler does which background job, and which tables
exist. The one place that decides between the development PKI and configured ones.

Each port is chosen on its own: what the settings configure (a PKCS#11 token or key
files, a TSA URL, root certificate files) wins; outside production, what is missing
comes from the dev PKI (``docflow.devpki``); in production, a missing one stays
unconfigured and says so when used (``validate_for_production`` refuses to start
without them first).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docflow.core.keys import AnchorFiles, ConfiguredSealKeys, SigningConfig, TsaUrl
from docflow.core.ports import CertificateIssuer, SealKeys, TimeStamping, TrustStore
from docflow.core.settings import Settings

if TYPE_CHECKING:  # the database layer loads only for a runtime, not for the CLI's choices
    from litestar import Router

    from docflow.core.jobs.periodic import PeriodicRun, PeriodicWork
    from docflow.core.jobs.runner import Handler
    from docflow.core.runtime import Runtime

__all__ = [
    "build_runtime",
    "certificate_issuer",
    "dev_routes",
    "job_handlers",
    "periodic_work",
    "register_tables",
    "signing_config",
]

logger = logging.getLogger("docflow.jobs")


def _dev_pki_ref(settings: Settings) -> dict[str, str]:
    """The dev PKI of this deployment: its URLs follow DOCFLOW_PUBLIC_URL, its cache
    lives in the data directory."""
    return {
        "url_prefix": settings.public_url.rstrip("/") + "/dev-pki",
        "cache_dir": str(Path(settings.data_dir).resolve() / "dev-pki-cache"),
    }


def uses_dev_pki(settings: Settings) -> bool:
    """Whether validation trusts the dev root (demo mode without configured anchors)."""
    return not settings.is_production and not settings.trust_anchors


def signing_config(settings: Settings) -> SigningConfig:
    """The adapters behind the signing ports, chosen one by one from ``settings``."""
    from docflow.devpki.adapters import DevSealKeys, DevTimeStamping, DevTrust

    demo = not settings.is_production
    dev = _dev_pki_ref(settings)
    seal_keys: SealKeys
    if settings.pkcs11_module or settings.seal_key_dir or not demo:
        seal_keys = ConfiguredSealKeys(
            key_dir=str(settings.seal_key_dir) if settings.seal_key_dir else None,
            passphrase=settings.seal_key_passphrase,
            pkcs11_module=str(settings.pkcs11_module) if settings.pkcs11_module else None,
            pkcs11_token=settings.pkcs11_token,
            pkcs11_pin=settings.pkcs11_pin,
        )
    else:
        seal_keys = DevSealKeys(**dev)
    time_stamping: TimeStamping = (
        TsaUrl(settings.tsa_url) if settings.tsa_url or not demo else DevTimeStamping(**dev)
    )
    trust: TrustStore = (
        DevTrust(**dev)
        if uses_dev_pki(settings)
        else AnchorFiles(tuple(str(p) for p in settings.trust_anchors))
    )
    return SigningConfig(
        seal_keys=seal_keys,
        time_stamping=time_stamping,
        trust=trust,
        seal_level=settings.seal_level,
    )


def certificate_issuer(settings: Settings) -> CertificateIssuer | None:
    """The dev CAs issue personal certificates for CSRs in demo mode; in production
    people bring certificates from the real CA (None)."""
    if settings.is_production:
        return None
    from docflow.devpki.adapters import DevCertificateIssuer

    return DevCertificateIssuer(**_dev_pki_ref(settings))


def job_handlers() -> Mapping[type[Any], Handler]:
    """What each feature's background jobs do."""
    from docflow.audit.verifications import VerifyAuditTrail, run_requested
    from docflow.core.jobs.periodic import PeriodicRun
    from docflow.exchange.job_handlers import HANDLERS as EXCHANGE
    from docflow.notifications.jobs import SendNotificationEmail
    from docflow.notifications.mail import send_notification_email
    from docflow.search.job_handlers import HANDLERS as SEARCH
    from docflow.transfers.job_handlers import HANDLERS as TRANSFERS

    # The exchange's DeliverDocument handler runs the transfers' one, then queues the
    # packages for agencies of other systems: it replaces it here. The transfers'
    # ReportToOtherSystem (a status for another system) is the exchange's work too.
    return {**TRANSFERS, **EXCHANGE, **SEARCH, SendNotificationEmail: send_notification_email,
            VerifyAuditTrail: run_requested, PeriodicRun: _run_periodic}


async def _audit_checkpoint(runtime: Runtime) -> None:
    """A signed checkpoint when something happened since the last one (its own
    ``audit.checkpoint`` event does not count), then copies the store lacks."""
    from docflow.audit import checkpoints
    from docflow.audit.copies import copy_missing
    from docflow.audit.sequencer import sequence_pending

    await sequence_pending(runtime)  # the period's checkpoint covers events until now
    if await checkpoints._has_news(runtime):
        await checkpoints.create_checkpoint(runtime, reason="interval")
    await copy_missing(runtime)


async def _audit_verify(runtime: Runtime) -> None:
    """The whole check of the trail, kept for the audit page (``audit.verifications``)."""
    from docflow.audit.verifications import record_verification

    await record_verification(runtime, "interval")


async def _archive_renewal(runtime: Runtime) -> None:
    from docflow.documents.archive import renew_due

    report = await renew_due(runtime)
    if report.renewed:
        logger.info("renewed the archive timestamps of %d documents", len(report.renewed))


def periodic_work(settings: Settings) -> list[PeriodicWork]:
    """The deployment's periodic work, each run once per period across all processes
    (``docflow.core.jobs.periodic``); a period of 0 turns it off."""
    from docflow.core.jobs.periodic import PeriodicWork

    works = []
    if settings.audit_checkpoint_minutes > 0:
        seconds = settings.audit_checkpoint_minutes * 60
        works.append(PeriodicWork("audit_checkpoint", seconds, _audit_checkpoint))
    if settings.audit_verify_minutes > 0:
        seconds = settings.audit_verify_minutes * 60
        works.append(PeriodicWork("audit_verify", seconds, _audit_verify))
    if settings.archive_renewal_hours > 0:
        seconds = settings.archive_renewal_hours * 3600
        works.append(PeriodicWork("archive_renewal", seconds, _archive_renewal))
    works.append(PeriodicWork("job_cleanup", 86_400, _job_cleanup))
    works.append(PeriodicWork("deadline_reminders", 3600, _deadline_reminders))
    if settings.smtp_url:
        works.append(PeriodicWork("notification_mail", 60, _notification_mail))
    return works


async def _deadline_reminders(runtime: Runtime) -> None:
    """"Due soon" and "overdue" notices for open transfers (``transfers.reminders``)."""
    from docflow.transfers.reminders import remind

    await remind(runtime)


async def _notification_mail(runtime: Runtime) -> None:
    """Queue the e-mails of notices made where no job queue was at hand."""
    from docflow.notifications.mail import queue_unsent

    await queue_unsent(runtime)


async def _job_cleanup(runtime: Runtime) -> None:
    """Forget jobs finished a month ago (``docflow.core.jobs.prune``)."""
    from docflow.core.jobs.prune import prune_finished
    from docflow.core.models_base import utcnow

    async with runtime.transaction() as session:
        removed = await prune_finished(session, utcnow())
    if removed:
        logger.info("forgot %d job(s) finished over a month ago", removed)


async def _run_periodic(runtime: Runtime, job: PeriodicRun) -> None:
    from docflow.core.jobs.periodic import run_period

    for work in periodic_work(runtime.settings):
        if work.name == job.name:
            await run_period(runtime, work, job.slot)


def register_tables() -> None:
    """Import every feature's tables onto ``SQLModel.metadata`` (for migrations and
    tests that compare the schema)."""
    import docflow.accounts.models_agency
    import docflow.accounts.models_auth
    import docflow.accounts.models_certificate
    import docflow.accounts.models_user
    import docflow.core.audit_models
    import docflow.core.jobs.models
    import docflow.documents.models
    import docflow.documents.models_reading
    import docflow.exchange.models
    import docflow.notifications.models
    import docflow.transfers.models  # noqa: F401


def build_runtime(settings: Settings) -> Runtime:
    """The wired resources of one process for ``settings`` (no network touched)."""
    from docflow.core.runtime import Runtime

    runtime = Runtime.build(
        settings,
        signing=signing_config(settings),
        certificate_issuer=certificate_issuer(settings),
        job_handlers=job_handlers(),
    )
    if settings.job_backend == "procrastinate":
        from docflow.core.jobs.procrastinate_queue import ProcrastinateJobQueue

        runtime = dataclasses.replace(runtime, jobs=ProcrastinateJobQueue())
    return runtime


def dev_routes(settings: Settings) -> list[Router]:
    """Demo mode serves the dev PKI's CRLs, OCSP and TSA at the URLs its certificates
    name (which follow DOCFLOW_PUBLIC_URL); production serves none."""
    if settings.is_production:
        return []
    from docflow import devpki
    from docflow.devpki.http import devpki_router

    pki = devpki.configure(devpki.pki_for_settings(settings))
    return [devpki_router(lambda: pki)]
