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
from docflow.core.settings_env import (
    DEV_PKI_DIR,
    REPO_ROOT,
    Environment,
    EnvReader,
    default_places,
    is_dev_key_path,
    optional_path,
    proxy_networks,
    serving,
)

__all__ = ["DEV_PKI_DIR", "REPO_ROOT", "ConfigurationError", "Settings", "is_dev_key_path",
           "proxy_networks"]

DEMO_PASSWORD = "docflow-demo"
DEVELOPMENT_SECRET_KEY = "docflow-development-only-secret-key-not-for-production"
MIN_SECRET_KEY_LENGTH = 32
#: Seconds before each retry of a delivery to a peer; the last one repeats.
RETRY_SCHEDULE = (30.0, 120.0, 1200.0, 3600.0)


def _meta(env_var: str, doc: str) -> dict[str, str]:
    return {"env": env_var, "doc": doc}


@dataclass(frozen=True)
class Settings:
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
        default=10,
        metadata=_meta(
            "DOCFLOW_DB_POOL_SIZE",
            "PostgreSQL connections each process keeps (default 10). Keep workers x "
            "instances x (pool + overflow) + the worker's below max_connections.",
        ),
    )
    db_pool_overflow: int = field(
        default=5,
        metadata=_meta(
            "DOCFLOW_DB_POOL_OVERFLOW",
            "Extra PostgreSQL connections a process may open in a burst (default 5).",
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
        read = EnvReader(environ, cls.ENV_VARS)
        env = read.environment()
        port = read.integer("port", 8000, 1, 65535)
        seal_level = read.seal_level()
        max_upload_mb = read.integer("max_upload_mb", 100, 1, 100_000)
        session_hours = read.integer("session_hours", 8, 1, 24 * 30)
        audit_checkpoint_minutes = read.integer("audit_checkpoint_minutes", 5, 0, 60 * 24 * 7)
        archive_renewal_hours = read.integer("archive_renewal_hours", 24, 0, 24 * 365)
        audit_sequence_seconds = read.integer("audit_sequence_seconds", 1, 0, 3600)
        exchange_max_attempts = read.integer("exchange_max_attempts", 48, 1, 10_000)
        exchange_retry_seconds = read.schedule("exchange_retry_seconds", RETRY_SCHEDULE)
        job_poll_seconds = read.decimal("job_poll_seconds", 2.0, 0.05, 60.0)
        exchange_max_package_mb = read.integer("exchange_max_package_mb", 200, 1, 2000)
        job_pool_size = read.integer("job_pool_size", 2, 1, 100)
        job_stalled_seconds = read.integer("job_stalled_seconds", 60, 5, 86_400)
        log_level = read.log_level()
        served = serving(read)
        trusted_proxies = read.trusted_proxies()
        if read.problems:
            raise ConfigurationError(read.problems)
        data_dir = Path(read.get("data_dir") or "var").expanduser()
        database_url, storage_url = default_places(read, data_dir.resolve())
        job_backend = read.job_backend(database_url)
        if read.problems:
            raise ConfigurationError(read.problems)
        return cls(
            env=env,
            data_dir=data_dir,
            database_url=database_url,
            migrations_database_url=read.get("migrations_database_url") or database_url,
            storage_url=storage_url,
            secret_key=read.get("secret_key"),
            # Production has no demo users: no default password there.
            demo_password=read.raw("demo_password")
            or (DEMO_PASSWORD if env == "development" else ""),
            host=read.get("host") or "127.0.0.1",
            port=port,
            trusted_proxies=trusted_proxies,
            public_url=(read.get("public_url") or "http://127.0.0.1:8000").rstrip("/"),
            tsa_url=read.get("tsa_url"),
            trust_anchors=read.paths("trust_anchors"),
            seal_key_dir=optional_path(read.get("seal_key_dir")),
            seal_key_passphrase=read.raw("seal_key_passphrase"),
            pkcs11_module=optional_path(read.get("pkcs11_module")),
            pkcs11_token=read.get("pkcs11_token"),
            pkcs11_pin=read.raw("pkcs11_pin"),
            seal_level=seal_level,
            max_upload_mb=max_upload_mb,
            session_hours=session_hours,
            audit_checkpoint_minutes=audit_checkpoint_minutes,
            archive_renewal_hours=archive_renewal_hours,
            audit_sequence_seconds=audit_sequence_seconds,
            exchange_max_attempts=exchange_max_attempts,
            exchange_retry_seconds=exchange_retry_seconds,
            job_poll_seconds=job_poll_seconds,
            exchange_max_package_mb=exchange_max_package_mb,
            job_backend=job_backend,
            job_pool_size=job_pool_size,
            job_stalled_seconds=job_stalled_seconds,
            serve_with_worker=(read.get("serve_with_worker") or "").lower() in ("1", "true", "yes"),
            log_level=log_level,
            smtp_url=read.get("smtp_url"),
            **served,
        )

    # ------------------------------------------------------------------ derived

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_secret_key(self) -> str:
        """The key to sign tokens and cookies with.

        In development without ``DOCFLOW_SECRET_KEY`` this is a fixed, public
        development key; production refuses to start without a real one.
        """
        return self.secret_key or DEVELOPMENT_SECRET_KEY

    @property
    def is_https(self) -> bool:
        """Users reach docflow over https: cookies are ``Secure`` and HSTS is sent."""
        return self.public_url.lower().startswith("https://")

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def exchange_max_package_bytes(self) -> int:
        return self.exchange_max_package_mb * 1024 * 1024

    def key_paths(self) -> tuple[Path, ...]:
        """Every key or trust file the settings point at (for the dev-key check)."""
        paths: list[Path] = list(self.trust_anchors)
        if self.seal_key_dir is not None:
            paths.append(self.seal_key_dir)
            if self.seal_key_dir.is_dir():
                paths.extend(sorted(p for p in self.seal_key_dir.iterdir() if p.is_file()))
        return tuple(paths)

    # ------------------------------------------------------------------ checks

    def production_problems(self) -> list[str]:
        """Readable sentences naming every reason these settings are unfit for production."""
        problems: list[str] = []
        if self.demo_password == DEMO_PASSWORD:
            # The demo password is public; a demo user in production would be an open door.
            problems.append(
                "DOCFLOW_DEMO_PASSWORD is the public demo password; unset it "
                "(production has no demo users) or set a different one."
            )
        if not self.secret_key:
            problems.append(
                "DOCFLOW_SECRET_KEY is not set; set it to a random string of at least "
                f'{MIN_SECRET_KEY_LENGTH} characters (e.g. `python -c "import secrets; '
                'print(secrets.token_urlsafe(48))"`).'
            )
        elif len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            problems.append(
                f"DOCFLOW_SECRET_KEY is only {len(self.secret_key)} characters long; "
                f"use a random string of at least {MIN_SECRET_KEY_LENGTH} characters."
            )
        for path in self.key_paths():
            if is_dev_key_path(path):
                problems.append(
                    f"{path} is a development key or certificate (from certs-dev/ or named "
                    "dev-only); point DOCFLOW_TRUST_ANCHORS and DOCFLOW_SEAL_KEY_DIR at "
                    "your agency's real ones."
                )
        return problems

    def validate_for_production(self) -> None:
        """In production, raise ``ConfigurationError`` listing every problem; else no-op."""
        if not self.is_production:
            return
        problems = self.production_problems()
        if problems:
            raise ConfigurationError(problems)


Settings.ENV_VARS = {f.name: f.metadata["env"] for f in fields(Settings)}

_cache: dict[tuple[str | None, ...], Settings] = {}
_cache_lock = threading.Lock()
