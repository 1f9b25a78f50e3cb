"""Settings read from ``DOCFLOW_*`` environment variables.

``Settings.from_env()`` is the one way to read them; it is cached while the
environment does not change. ``validate_for_production()`` refuses the demo
password, a weak secret and development keys.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import ClassVar

from docflow.core.errors import ConfigurationError
from docflow.core.settings_derived import DEMO_PASSWORD, DerivedSettings
from docflow.core.settings_env import (
    DEV_PKI_DIR,
    MIN_SECRET_KEY_LENGTH,
    REPO_ROOT,
    Environment,
    EnvReader,
    is_dev_key_path,
    proxy_networks,
    read_values,
)

__all__ = ["DEV_PKI_DIR", "REPO_ROOT", "ConfigurationError", "Settings", "is_dev_key_path",
           "proxy_networks"]


#: Seconds before each retry of a delivery to a peer; the last one repeats.
RETRY_SCHEDULE = (30.0, 120.0, 1200.0, 3600.0)


def _meta(env_var: str, doc: str) -> dict[str, str]:
    return {"env": env_var, "doc": doc}


@dataclass(frozen=True)
class Settings(DerivedSettings):
    """Everything docflow reads from its environment, parsed and typed."""

    env: Environment = field(
        default="development",
        metadata=_meta("DOCFLOW_ENV", "`development` (embedded default) or `production`."),
    )
    data_dir: Path = field(
        default=Path("var"),
        metadata=_meta("DOCFLOW_DATA_DIR", "Holds the embedded database and objects."),
    )
    database_url: str = field(
        default="",
        metadata=_meta(
            "DOCFLOW_DATABASE_URL",
            "SQLAlchemy async URL; default `sqlite+aiosqlite:///<data_dir>/docflow.db`.",
        ),
    )
    migrations_database_url: str = field(
        default="",
        repr=False,
        metadata=_meta(
            "DOCFLOW_MIGRATIONS_DATABASE_URL",
            "URL of the role that owns the tables, used only by `docflow db upgrade` (which "
            "then grants the DOCFLOW_DATABASE_URL role what it needs); default "
            "DOCFLOW_DATABASE_URL.",
        ),
    )
    storage_url: str = field(
        default="",
        metadata=_meta(
            "DOCFLOW_STORAGE_URL",
            "`file:///abs/path` or `s3://KEY:SECRET@host:port/bucket?secure=false`; "
            "default `file://<data_dir>/objects`.",
        ),
    )
    secret_key: str | None = field(
        default=None,
        repr=False,
        metadata=_meta(
            "DOCFLOW_SECRET_KEY",
            f"Signs tokens and session cookies; at least {MIN_SECRET_KEY_LENGTH} characters "
            "in production.",
        ),
    )
    demo_password: str = field(
        default=DEMO_PASSWORD,
        repr=False,
        metadata=_meta(
            "DOCFLOW_DEMO_PASSWORD",
            "Password of the seeded demo users; no default in production.",
        ),
    )
    host: str = field(
        default="127.0.0.1", metadata=_meta("DOCFLOW_HOST", "Address `docflow serve` binds.")
    )
    port: int = field(default=8000, metadata=_meta("DOCFLOW_PORT", "Port `docflow serve` binds."))
    trusted_proxies: str = field(
        default="",
        metadata=_meta(
            "DOCFLOW_TRUSTED_PROXIES",
            "Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For "
            "is believed; empty: the header is ignored.",
        ),
    )
    public_url: str = field(
        default="http://127.0.0.1:8000",
        metadata=_meta("DOCFLOW_PUBLIC_URL", "Address users reach docflow at (links, QR codes)."),
    )
    tsa_url: str | None = field(
        default=None,
        metadata=_meta(
            "DOCFLOW_TSA_URL",
            "RFC 3161 time-stamping authority; unset in development means the dev PKI's TSA.",
        ),
    )
    trust_anchors: tuple[Path, ...] = field(
        default=(),
        metadata=_meta(
            "DOCFLOW_TRUST_ANCHORS",
            "Root certificate files (PEM/DER) trusted for validation, separated by "
            "os.pathsep; empty in development means the dev PKI's root.",
        ),
    )
    seal_key_dir: Path | None = field(
        default=None,
        metadata=_meta(
            "DOCFLOW_SEAL_KEY_DIR",
            "Directory of agency seal keys as PKCS#12 files named `<abbrev>.p12`; "
            "unset in development means the dev PKI's keys.",
        ),
    )
    seal_key_passphrase: str | None = field(
        default=None,
        repr=False,
        metadata=_meta(
            "DOCFLOW_SEAL_KEY_PASSPHRASE", "Passphrase of the PKCS#12 files in the seal key dir."
        ),
    )
    pkcs11_module: Path | None = field(
        default=None,
        metadata=_meta(
            "DOCFLOW_PKCS11_MODULE",
            "PKCS#11 library holding agency seal keys (an HSM; SoftHSM2 in tests).",
        ),
    )
    pkcs11_token: str | None = field(
        default=None,
        metadata=_meta("DOCFLOW_PKCS11_TOKEN", "Label of the PKCS#11 token with the seal keys."),
    )
    pkcs11_pin: str | None = field(
        default=None,
        repr=False,
        metadata=_meta("DOCFLOW_PKCS11_PIN", "User PIN of the PKCS#11 token."),
    )
    seal_level: str = field(
        default="B-LTA",
        metadata=_meta(
            "DOCFLOW_SEAL_LEVEL",
            "PAdES level of the agency seal applied at issuance and of incoming stamps: "
            "B-LTA (default: verifiable offline for years, renewed before its timestamp "
            "ages) or B-LT.",
        ),
    )
    max_upload_mb: int = field(
        default=100,
        metadata=_meta("DOCFLOW_MAX_UPLOAD_MB", "Largest accepted upload, in megabytes."),
    )
    session_hours: int = field(
        default=8,
        metadata=_meta(
            "DOCFLOW_SESSION_HOURS",
            "Hours a sign-in (bearer token or browser session) stays valid (default 8).",
        ),
    )
    audit_checkpoint_minutes: int = field(
        default=5,
        metadata=_meta(
            "DOCFLOW_AUDIT_CHECKPOINT_MINUTES",
            "Minutes between signed audit checkpoints while events happen (default 5; "
            "0: on demand only).",
        ),
    )
    audit_verify_minutes: int = field(
        default=60,
        metadata=_meta(
            "DOCFLOW_AUDIT_VERIFY_MINUTES",
            "Minutes between whole checks of the audit trail, whose outcome the audit page "
            "shows (default 60; 0: only when an auditor asks).",
        ),
    )
    audit_sequence_seconds: int = field(
        default=1,
        metadata=_meta(
            "DOCFLOW_AUDIT_SEQUENCE_SECONDS",
            "Seconds between runs of the audit sequencer, which chains new events (default "
            "1; an event is unprotected at most this long plus one run; 0: not in this "
            "process).",
        ),
    )
    archive_renewal_hours: int = field(
        default=24,
        metadata=_meta(
            "DOCFLOW_ARCHIVE_RENEWAL_HOURS",
            "Hours between runs that renew issued documents' archive timestamps before their "
            "certificates expire (0: only `docflow archive renew`).",
        ),
    )
    exchange_max_attempts: int = field(
        default=48,
        metadata=_meta(
            "DOCFLOW_EXCHANGE_MAX_ATTEMPTS",
            "Attempts to deliver an edXML package to a peer before it is marked failed "
            "(default 48: retries on the schedule of DOCFLOW_EXCHANGE_RETRY_SECONDS).",
        ),
    )
    exchange_retry_seconds: tuple[float, ...] = field(
        default=RETRY_SCHEDULE,
        metadata=_meta(
            "DOCFLOW_EXCHANGE_RETRY_SECONDS",
            "Seconds before each retry of a failed delivery to a peer, separated by commas, "
            "the last one repeating (default 30,120,1200,3600).",
        ),
    )
    job_poll_seconds: float = field(
        default=2.0,
        metadata=_meta(
            "DOCFLOW_JOB_POLL_SECONDS",
            "Seconds the job runner waits before looking again for due jobs when it found "
            "none (default 2; from 0.05 to 60).",
        ),
    )
    exchange_max_package_mb: int = field(
        default=200,
        metadata=_meta(
            "DOCFLOW_EXCHANGE_MAX_PACKAGE_MB",
            "Largest edXML package exported, sent or received, in megabytes (default 200, "
            "1 to 2000); a larger one is refused naming the limit.",
        ),
    )
    job_backend: str = field(
        default="",
        metadata=_meta(
            "DOCFLOW_JOB_BACKEND",
            "`procrastinate` (default on PostgreSQL: run by `docflow worker`) or `table` "
            "(the `job` table, run in-process; the only one on SQLite).",
        ),
    )
    job_pool_size: int = field(
        default=2,
        metadata=_meta(
            "DOCFLOW_JOB_POOL_SIZE",
            "PostgreSQL connections (psycopg) of one `docflow worker`'s queue (default 2); "
            "count them in max_connections.",
        ),
    )
    job_stalled_seconds: int = field(
        default=60,
        metadata=_meta(
            "DOCFLOW_JOB_STALLED_SECONDS",
            "A worker silent this long (killed) has its running jobs queued again "
            "(default 60).",
        ),
    )
    serve_with_worker: bool = field(
        default=False,
        metadata=_meta(
            "DOCFLOW_SERVE_WITH_WORKER",
            "`1`: `docflow serve` on PostgreSQL also runs jobs in-process (as on SQLite); "
            "default: only `docflow worker` does.",
        ),
    )
    log_level: str = field(
        default="INFO",
        metadata=_meta("DOCFLOW_LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR."),
    )
    smtp_url: str | None = field(
        default=None,
        repr=False,
        metadata=_meta(
            "DOCFLOW_SMTP_URL",
            "Mail server for notification e-mails (docflow.notifications.mail); unset: none.",
        ),
    )
    # ---- serving and scaling (docflow serve --workers, pools, access log) ----
    web_workers: int = field(
        default=0,
        metadata=_meta(
            "DOCFLOW_WEB_WORKERS",
            "Processes `docflow serve` runs (0, the default: one per CPU core; "
            "`--workers` overrides).",
        ),
    )
    db_pool_size: int = field(
        default=15,
        metadata=_meta(
            "DOCFLOW_DB_POOL_SIZE",
            "PostgreSQL connections each process keeps (default 15). Keep workers x "
            "instances x (pool + overflow) + the worker's below max_connections.",
        ),
    )
    db_pool_overflow: int = field(
        default=0,
        metadata=_meta(
            "DOCFLOW_DB_POOL_OVERFLOW",
            "Extra PostgreSQL connections a process may open in a burst, closed again "
            "after each use (default 0: under load every overflow request paid a new "
            "connection, TLS included).",
        ),
    )
    web_background: bool = field(
        default=True,
        metadata=_meta(
            "DOCFLOW_WEB_BACKGROUND",
            "`on` (default): the web process runs the job runner and periodic work "
            "(one process of `docflow serve --workers N`); `off` when `docflow worker` "
            "runs them.",
        ),
    )
    access_log_sample: int = field(
        default=100,
        metadata=_meta(
            "DOCFLOW_ACCESS_LOG_SAMPLE",
            "Percent of successful requests written to the access log (default 100; "
            "0 to 100); errors and slow requests are always written.",
        ),
    )
    warm_up: bool = field(
        default=False,
        metadata=_meta(
            "DOCFLOW_WARM_UP",
            "`on`: start the signing workers and the dev PKI in the background at start-up, "
            "so the first signature is as quick as the next (`docflow serve` default); "
            "`off`: on first use (default of the app elsewhere, e.g. in tests).",
        ),
    )

    #: Field name -> environment variable, for every setting.
    ENV_VARS: ClassVar[Mapping[str, str]]

    # ------------------------------------------------------------------ reading

    @classmethod
    def env_var_names(cls) -> tuple[str, ...]:
        """Every environment variable docflow reads, in field order."""
        return tuple(cls.ENV_VARS.values())

    @classmethod
    def env_var_docs(cls) -> dict[str, str]:
        """Environment variable -> what it sets (for help texts and docs)."""
        return {f.metadata["env"]: f.metadata["doc"] for f in fields(cls)}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``environ`` (default ``os.environ``).

        Reading ``os.environ`` is cached: the same object comes back until one of
        the ``DOCFLOW_*`` variables changes. Raises ``ConfigurationError``
        listing every value that cannot be parsed.
        """
        if environ is not None:
            return cls._parse(environ)
        key = tuple(os.environ.get(name) for name in cls.ENV_VARS.values())
        with _cache_lock:
            cached = _cache.get(key)
            if cached is None:
                cached = cls._parse(os.environ)
                _cache.clear()
                _cache[key] = cached
            return cached

    @classmethod
    def _parse(cls, environ: Mapping[str, str]) -> Settings:
        values = read_values(EnvReader(environ, cls.ENV_VARS), DEMO_PASSWORD, RETRY_SCHEDULE)
        return cls(**values)


Settings.ENV_VARS = {f.name: f.metadata["env"] for f in fields(Settings)}

_cache: dict[tuple[str | None, ...], Settings] = {}
_cache_lock = threading.Lock()
