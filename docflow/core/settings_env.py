"""Reading ``DOCFLOW_*`` values for ``docflow.core.settings``: each kind of value (whole
numbers, decimals, schedules, paths, the environment, proxies) parsed with every problem
collected as a sentence, so one start names them all."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from docflow.core.errors import ConfigurationError

__all__ = [
    "DEV_PKI_DIR",
    "REPO_ROOT",
    "EnvReader",
    "Environment",
    "default_places",
    "is_dev_key_path",
    "optional_path",
    "proxy_networks",
    "serving",
]

Environment = Literal["development", "production"]
#: The source checkout (for the development PKI and migrations next to the package).
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Where the development PKI lives; nothing under it may be used in production.
DEV_PKI_DIR = REPO_ROOT / "certs-dev"


def is_dev_key_path(path: Path) -> bool:
    """True for a file or directory of the development PKI."""
    if "dev-only" in path.name:
        return True
    try:
        resolved = path.expanduser().resolve()
    except OSError:
        return False
    return resolved == DEV_PKI_DIR or DEV_PKI_DIR in resolved.parents


def proxy_networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``"10.0.0.1, 192.168.0.0/16"`` as networks; ``ValueError`` naming a bad entry."""
    items = (p.strip() for p in raw.replace(";", ",").split(","))
    return tuple(ipaddress.ip_network(p, strict=False) for p in items if p)


class EnvReader:
    """Reads ``DOCFLOW_*`` values for ``Settings._parse``, collecting every problem."""

    def __init__(self, environ: Mapping[str, str], names: Mapping[str, str]) -> None:
        self.environ = environ
        self.names = names
        self.problems: list[str] = []

    def get(self, name: str) -> str | None:
        """The stripped value, None when unset or blank."""
        value = self.environ.get(self.names[name])
        return value.strip() if value is not None and value.strip() else None

    def raw(self, name: str) -> str | None:
        """The value as given (secrets are not stripped), None when unset or empty."""
        return self.environ.get(self.names[name]) or None

    def paths(self, name: str) -> tuple[Path, ...]:
        """A list of paths separated by ``os.pathsep``."""
        raw = self.get(name) or ""
        return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip())

    def environment(self) -> Environment:
        env = (self.get("env") or "development").lower()
        if env == "production":
            return "production"
        if env != "development":
            self.problems.append(
                f"DOCFLOW_ENV is {env!r}; set it to 'development' or 'production'."
            )
        return "development"

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            self.problems.append(
                f"{self.names[name]} is {raw!r}; it must be a whole number from {low} to {high}."
            )
            return default
        return value

    def switch(self, name: str, *, default: bool) -> bool:
        """``on``/``off`` (also ``1``/``0``, ``true``/``false``, ``yes``/``no``)."""
        raw = self.get(name)
        if raw is None:
            return default
        if raw.lower() in ("on", "1", "true", "yes"):
            return True
        if raw.lower() not in ("off", "0", "false", "no"):
            self.problems.append(f"{self.names[name]} is {raw!r}; use on or off.")
        return default

    def decimal(self, name: str, default: float, low: float, high: float) -> float:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:  # also refuses nan
            self.problems.append(
                f"{self.names[name]} is {raw!r}; it must be a number from {low:g} to {high:g}."
            )
            return default
        return value

    def schedule(self, name: str, default: tuple[float, ...]) -> tuple[float, ...]:
        """Seconds separated by commas, each from 0.1 to one day (at most 20 of them)."""
        raw = self.get(name)
        if raw is None:
            return default
        try:
            values = tuple(float(part) for part in raw.split(","))
        except ValueError:
            values = ()
        if not 1 <= len(values) <= 20 or not all(0.1 <= v <= 86_400 for v in values):
            self.problems.append(
                f"{self.names[name]} is {raw!r}; list 1 to 20 numbers of seconds from 0.1 to "
                "86400 separated by commas, e.g. 30,120,1200,3600 (the last one repeats)."
            )
            return default
        return values

    def job_backend(self, database_url: str) -> str:
        postgres = database_url.startswith("postgresql")
        backend = (self.get("job_backend") or ("procrastinate" if postgres else "table")).lower()
        if backend not in ("procrastinate", "table") or (not postgres and backend != "table"):
            self.problems.append(
                f"DOCFLOW_JOB_BACKEND is {backend!r}; use 'table', or 'procrastinate' with "
                "a PostgreSQL DOCFLOW_DATABASE_URL."
            )
            return "table"
        return backend

    def seal_level(self) -> str:
        seal_level = (self.get("seal_level") or "B-LTA").upper()
        if seal_level not in ("B-T", "B-LT", "B-LTA"):
            self.problems.append(
                f"DOCFLOW_SEAL_LEVEL is {seal_level!r}; use B-LT or B-LTA (B-T for tests)."
            )
            return "B-LTA"
        return seal_level

    def log_level(self) -> str:
        log_level = (self.get("log_level") or "INFO").upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            self.problems.append(
                f"DOCFLOW_LOG_LEVEL is {log_level!r}; use DEBUG, INFO, WARNING or ERROR."
            )
            return "INFO"
        return log_level

    def trusted_proxies(self) -> str:
        trusted_proxies = self.get("trusted_proxies") or ""
        try:
            proxy_networks(trusted_proxies)
        except ValueError as exc:
            self.problems.append(
                f"DOCFLOW_TRUSTED_PROXIES is {trusted_proxies!r} ({exc}); list IP addresses or "
                "networks separated by commas, e.g. 10.0.0.5,192.168.10.0/24."
            )
            return ""
        return trusted_proxies


def optional_path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def default_places(read: EnvReader, abs_data_dir: Path) -> tuple[str, str]:
    """(database URL, storage URL), by default both under the data directory."""
    database_url = read.get("database_url") or f"sqlite+aiosqlite:///{abs_data_dir / 'docflow.db'}"
    storage_url = read.get("storage_url") or f"file://{abs_data_dir / 'objects'}"
    return database_url, storage_url


def serving(read: EnvReader) -> dict[str, Any]:
    """The serving and scaling settings (workers, pools, background work, access log)."""
    background = (read.get("web_background") or "on").lower()
    if background not in ("on", "off", "true", "false", "1", "0"):
        read.problems.append(f"DOCFLOW_WEB_BACKGROUND is {background!r}; use on or off.")
    return {
        "web_workers": read.integer("web_workers", 0, 0, 256),
        "db_pool_size": read.integer("db_pool_size", 15, 1, 1000),
        "db_pool_overflow": read.integer("db_pool_overflow", 0, 0, 1000),
        "web_background": background not in ("off", "false", "0"),
        "access_log_sample": read.integer("access_log_sample", 100, 0, 100),
        "warm_up": read.switch("warm_up", default=False),
    }


def background_work(read: EnvReader, retry_default: tuple[float, ...]) -> dict[str, Any]:
    """The settings of work after the request: audit checkpoints and sequencing, archive
    renewal, the job queue and the edXML exchange's deliveries."""
    return {
        "audit_checkpoint_minutes": read.integer("audit_checkpoint_minutes", 5, 0, 60 * 24 * 7),
        "audit_verify_minutes": read.integer("audit_verify_minutes", 60, 0, 60 * 24 * 7),
        "archive_renewal_hours": read.integer("archive_renewal_hours", 24, 0, 24 * 365),
        "audit_sequence_seconds": read.integer("audit_sequence_seconds", 1, 0, 3600),
        "exchange_max_attempts": read.integer("exchange_max_attempts", 48, 1, 10_000),
        "exchange_retry_seconds": read.schedule("exchange_retry_seconds", retry_default),
        "job_poll_seconds": read.decimal("job_poll_seconds", 2.0, 0.05, 60.0),
        "exchange_max_package_mb": read.integer("exchange_max_package_mb", 200, 1, 2000),
        "job_pool_size": read.integer("job_pool_size", 2, 1, 100),
        "job_stalled_seconds": read.integer("job_stalled_seconds", 60, 5, 86_400),
        "serve_with_worker": (read.get("serve_with_worker") or "").lower()
        in ("1", "true", "yes"),
    }


def key_paths(trust_anchors: tuple[Path, ...], seal_key_dir: Path | None) -> tuple[Path, ...]:
    """Every key or trust file the settings point at (for the dev-key check)."""
    paths: list[Path] = list(trust_anchors)
    if seal_key_dir is not None:
        paths.append(seal_key_dir)
        if seal_key_dir.is_dir():
            paths.extend(sorted(p for p in seal_key_dir.iterdir() if p.is_file()))
    return tuple(paths)


#: The shortest secret key production accepts.
MIN_SECRET_KEY_LENGTH = 32


def production_problems(
    demo_password: str, secret_key: str | None, key_paths: tuple[Path, ...], demo_default: str
) -> list[str]:
    """Readable sentences naming every reason settings are unfit for production: the
    public demo password, a missing or short secret key, development keys."""
    problems: list[str] = []
    if demo_password == demo_default:
        # The demo password is public; a demo user in production would be an open door.
        problems.append(
            "DOCFLOW_DEMO_PASSWORD is the public demo password; unset it "
            "(production has no demo users) or set a different one."
        )
    if not secret_key:
        problems.append(
            "DOCFLOW_SECRET_KEY is not set; set it to a random string of at least "
            f'{MIN_SECRET_KEY_LENGTH} characters (e.g. `python -c "import secrets; '
            'print(secrets.token_urlsafe(48))"`).'
        )
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"DOCFLOW_SECRET_KEY is only {len(secret_key)} characters long; "
            f"use a random string of at least {MIN_SECRET_KEY_LENGTH} characters."
        )
    for path in key_paths:
        if is_dev_key_path(path):
            problems.append(
                f"{path} is a development key or certificate (from certs-dev/ or named "
                "dev-only); point DOCFLOW_TRUST_ANCHORS and DOCFLOW_SEAL_KEY_DIR at "
                "your agency's real ones."
            )
    return problems


def read_values(
    read: EnvReader, demo_default: str, retry_default: tuple[float, ...]
) -> dict[str, Any]:
    """Every setting's value read and checked from ``read``'s environment, by field
    name; raises ``ConfigurationError`` listing every value that cannot be parsed."""
    env = read.environment()
    port = read.integer("port", 8000, 1, 65535)
    seal_level = read.seal_level()
    max_upload_mb = read.integer("max_upload_mb", 100, 1, 100_000)
    session_hours = read.integer("session_hours", 8, 1, 24 * 30)
    work = background_work(read, retry_default)
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
    return dict(
        env=env,
        data_dir=data_dir,
        database_url=database_url,
        migrations_database_url=read.get("migrations_database_url") or database_url,
        storage_url=storage_url,
        secret_key=read.get("secret_key"),
        # Production has no demo users: no default password there.
        demo_password=read.raw("demo_password")
        or (demo_default if env == "development" else ""),
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
        job_backend=job_backend,
        log_level=log_level,
        smtp_url=read.get("smtp_url"),
        **served,
        **work,
    )
